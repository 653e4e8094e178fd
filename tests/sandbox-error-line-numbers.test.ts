import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExecutor } from "../sandbox/create-executor";
import type { ProgramExecutor } from "../sandbox/types";
import { tempDir } from "./helpers/processes";

// The lcb grader compiles LiveCodeBench's import prelude and the candidate as one module; the
// errors a model (or a user) reads must point at the candidate's own lines.
describe("error line numbers under LiveCodeBench's prelude", () => {
  let executor: ProgramExecutor;
  beforeAll(async () => {
    executor = await createExecutor({ dataDir: tempDir("line-numbers"), poolSize: 1 });
  });
  afterAll(async () => {
    await executor?.close();
  });

  const call = (program: string, grader: "lcb" | "ref") =>
    executor.execute({
      program,
      kind: "call",
      funcName: "f",
      tests: [{ input: "1", expected: "1" }],
      grader,
    });

  it.each(["lcb", "ref"] as const)("a compile error names the candidate's line (%s)", async (grader) => {
    const result = await call("class Solution:\n    def f(self, x):\n        return (x +\n", grader);
    expect(result.compileError).toMatch(/File "<program>", line 3\b/);
  });

  it.each(["lcb", "ref"] as const)(
    "a runtime error's traceback names the candidate's line (%s)",
    async (grader) => {
      const result = await call(
        "class Solution:\n    def f(self, x):\n        y = x\n        return y // 0\n",
        grader,
      );
      expect(result.tests[0]?.error).toMatch(/File "<program>", line 4, in f\n/);
    },
  );
});
