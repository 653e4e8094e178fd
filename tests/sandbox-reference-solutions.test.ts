import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { problemFromRow } from "../datasets/lcb-row";
import type { Problem } from "../datasets/problem";
import { readRows } from "../datasets/read-rows";
import { projectRoot } from "../runtime/paths";
import { createExecutor } from "../sandbox/create-executor";
import type { ProgramExecutor } from "../sandbox/types";
import { tempDir } from "./helpers/processes";

const DATASET = join(projectRoot, "..", "shared", "data", "leetcode", "leetcode_dev100.jsonl");

describe("leetcode_dev100 reference solutions in gVisor", () => {
  let executor: ProgramExecutor;
  const problems: Problem[] = [];
  const dataDir = tempDir("reference");

  beforeAll(async () => {
    for await (const { row, where } of readRows(DATASET)) problems.push(problemFromRow(row, where));
    executor = await createExecutor({ isolation: "gvisor", dataDir, poolSize: 2 });
  });
  afterAll(async () => {
    await executor?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  // About 11,000 tests; 23 s on a 2-core machine when this file runs alone.
  it("every reference solution passes all its public and private tests under lcb", {
    timeout: 600_000,
  }, async () => {
    const started = Date.now();
    const failures: string[] = [];
    let graded = 0;
    await Promise.all(
      problems.map(async (problem) => {
        const tests = [...problem.publicTests, ...problem.privateTests];
        const result = await executor.execute({
          program: problem.referenceSolution ?? "",
          kind: problem.kind,
          funcName: problem.funcName,
          tests,
          grader: "lcb",
          stopOnFailure: false,
        });
        graded += result.tests.length;
        if (result.compileError !== undefined)
          failures.push(`${problem.id}: compile_error ${result.compileError}`);
        else if (result.tests.length !== tests.length)
          failures.push(`${problem.id}: only ${result.tests.length} results`);
        result.tests.forEach((test, i) => {
          if (test.outcome !== "passed") {
            const detail = test.error ?? `expected ${test.expected}, got ${test.output}`;
            failures.push(`${problem.id} test ${i + 1}: ${test.outcome} ${detail.slice(0, 300)}`);
          }
        });
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `leetcode_dev100: ${problems.length} reference solutions, ${graded} tests in ${seconds.toFixed(1)} s ` +
        `(${Math.round(graded / seconds)} tests/s, gVisor pool of 2)`,
    );
    expect(problems).toHaveLength(100);
    expect(failures).toEqual([]);
    expect(graded).toBe(10_797);
  });
});
