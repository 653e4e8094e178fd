import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { problemFromRow } from "../datasets/lcb-row";
import { projectRoot } from "../runtime/paths";
import { createExecutor } from "../sandbox/create-executor";
import type { RunnerPool } from "../sandbox/runner-pool";
import type { ProblemKind } from "../sandbox/types";
import { tempDir } from "./helpers/processes";

const FILE = join(projectRoot, "demo", "demo-problems.jsonl");
const SOURCES = join(projectRoot, "demo", "problems");

/** LiveCodeBench's code_generation_lite fields, in order, plus sstar's reference fields. */
const FIELDS = [
  "question_id",
  "question_title",
  "question_content",
  "platform",
  "contest_id",
  "contest_date",
  "difficulty",
  "starter_code",
  "metadata",
  "public_test_cases",
  "private_test_cases",
  "reference_solution",
  "reference_response",
] as const;

type Row = Record<(typeof FIELDS)[number], string>;

interface RawTest {
  input: string;
  output: string;
  testtype: string;
}

const rows: Row[] = readFileSync(FILE, "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => JSON.parse(line) as Row);

const testsOf = (row: Row, field: "public_test_cases" | "private_test_cases"): RawTest[] =>
  JSON.parse(row[field]) as RawTest[];
const allTests = (row: Row): RawTest[] => [
  ...testsOf(row, "public_test_cases"),
  ...testsOf(row, "private_test_cases"),
];
const kindOf = (row: Row): ProblemKind => (allTests(row)[0]?.testtype === "stdin" ? "stdin" : "call");
const funcNameOf = (row: Row): string | undefined =>
  (JSON.parse(row.metadata) as { func_name?: string }).func_name;

/** The programs with known bugs shipped with each problem's sources, by question id. */
function wrongPrograms(): Map<string, { name: string; program: string }[]> {
  const byId = new Map<string, { name: string; program: string }[]>();
  for (const folder of readdirSync(SOURCES)) {
    const meta = JSON.parse(readFileSync(join(SOURCES, folder, "problem.json"), "utf8")) as {
      question_id: string;
    };
    const dir = join(SOURCES, folder, "wrong");
    const names = readdirSync(dir).filter((n) => n.endsWith(".py"));
    byId.set(
      meta.question_id,
      names.map((name) => ({
        name: `${folder}/wrong/${name}`,
        program: readFileSync(join(dir, name), "utf8"),
      })),
    );
  }
  return byId;
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

describe("sstar's demo problems (demo/demo-problems.jsonl)", () => {
  it("has 10 rows with exactly LiveCodeBench's fields plus the reference fields, all strings", () => {
    expect(rows).toHaveLength(10);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual([...FIELDS]);
      for (const field of FIELDS) expect(typeof row[field], `${row.question_id}.${field}`).toBe("string");
      expect(row.question_content.length).toBeGreaterThan(200);
      expect(row.contest_date).toMatch(/^2025-01-\d\dT00:00:00$/);
    }
  });

  it("numbers the problems sstar_demo_01 to sstar_demo_10, each once", () => {
    const ids = rows.map((r) => r.question_id);
    expect(new Set(ids).size).toBe(10);
    expect([...ids].sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `sstar_demo_${String(i + 1).padStart(2, "0")}`),
    );
  });

  it("has 5 stdin and 5 call problems, and 3 easy, 4 medium and 3 hard ones", () => {
    expect(countBy(rows.map(kindOf))).toEqual({ stdin: 5, call: 5 });
    expect(countBy(rows.map((r) => r.difficulty))).toEqual({ easy: 3, medium: 4, hard: 3 });
    for (const row of rows) {
      if (kindOf(row) === "stdin") {
        expect(["atcoder", "codeforces"]).toContain(row.platform);
        expect(row.metadata).toBe("{}");
        expect(row.starter_code).toBe("");
      } else {
        expect(row.platform).toBe("leetcode");
        const name = funcNameOf(row);
        expect(name).toMatch(/^[A-Za-z_]\w*$/);
        expect(row.starter_code).toMatch(new RegExp(`^class Solution:\\n    def ${name}\\(self`));
        expect(row.reference_solution).toContain(`def ${name}(self`);
      }
    }
  });

  it("has public and hidden tests that parse, of the problem's one test type", () => {
    for (const row of rows) {
      const kind = kindOf(row);
      const publicTests = testsOf(row, "public_test_cases");
      const hiddenTests = testsOf(row, "private_test_cases");
      expect(publicTests.length, row.question_id).toBeGreaterThanOrEqual(1);
      expect(publicTests.length, row.question_id).toBeLessThanOrEqual(3);
      expect(hiddenTests.length, row.question_id).toBeGreaterThanOrEqual(25);
      expect(hiddenTests.length, row.question_id).toBeLessThanOrEqual(40);
      const inputs = new Set<string>();
      for (const test of [...publicTests, ...hiddenTests]) {
        expect(Object.keys(test).sort()).toEqual(["input", "output", "testtype"]);
        expect(test.testtype).toBe(kind === "stdin" ? "stdin" : "functional");
        expect(test.input.length).toBeLessThan(200_000);
        if (kind === "stdin") {
          expect(test.output.endsWith("\n")).toBe(true);
        } else {
          for (const line of test.input.split("\n")) expect(() => JSON.parse(line)).not.toThrow();
          expect(() => JSON.parse(test.output)).not.toThrow();
        }
        inputs.add(test.input);
      }
      expect(inputs.size, `${row.question_id}: repeated test inputs`).toBe(
        publicTests.length + hiddenTests.length,
      );
    }
  });

  it("gives a model-style reference response: an explanation, then the reference solution in a python block", () => {
    for (const row of rows) {
      const [explanation, code] = row.reference_response.split("```python\n");
      expect(explanation?.trim().length).toBeGreaterThan(100);
      expect(code).toBe(`${row.reference_solution}\`\`\`\n`);
    }
  });

  it("loads through sstar's LiveCodeBench row reader", () => {
    rows.forEach((row, i) => {
      const problem = problemFromRow(row, `demo-problems.jsonl:${i + 1}`);
      expect(problem).toMatchObject({
        id: row.question_id,
        kind: kindOf(row),
        difficulty: row.difficulty,
        referenceSolution: row.reference_solution,
      });
      expect(problem.funcName).toBe(funcNameOf(row));
      expect(problem.publicTests).toHaveLength(testsOf(row, "public_test_cases").length);
      expect(problem.privateTests).toHaveLength(testsOf(row, "private_test_cases").length);
    });
  });

  describe("in sstar's gVisor sandbox under LiveCodeBench's grader", () => {
    let executor: RunnerPool;
    beforeAll(async () => {
      executor = await createExecutor({
        isolation: "gvisor",
        poolSize: 2,
        dataDir: tempDir("demo-problems"),
      });
    });
    afterAll(async () => {
      await executor?.close();
    });

    it.each(rows.map((row) => [row.question_id, row] as const))(
      "%s: the reference solution passes every public and hidden test",
      async (_id, row) => {
        const tests = allTests(row);
        const result = await executor.execute({
          program: row.reference_solution,
          kind: kindOf(row),
          funcName: funcNameOf(row),
          tests: tests.map((t) => ({ input: t.input, expected: t.output })),
          grader: "lcb",
          stopOnFailure: false,
        });
        expect(result.compileError).toBeUndefined();
        expect(result.isolation).toBe("gvisor");
        expect(result.tests).toHaveLength(tests.length);
        const failures = result.tests
          .map((t, index) => ({ index, outcome: t.outcome, error: t.error, output: t.output }))
          .filter((t) => t.outcome !== "passed");
        expect(failures).toEqual([]);
      },
    );

    it.each(rows.map((row) => [row.question_id, row] as const))(
      "%s: every shipped wrong program fails some test",
      async (_id, row) => {
        const programs = wrongPrograms().get(row.question_id) ?? [];
        expect(programs.length).toBeGreaterThanOrEqual(3);
        const tests = allTests(row).map((t) => ({ input: t.input, expected: t.output }));
        const verdicts = await Promise.all(
          programs.map(async ({ name, program }) => {
            const result = await executor.execute({
              program,
              kind: kindOf(row),
              funcName: funcNameOf(row),
              tests,
              grader: "lcb",
              stopOnFailure: true,
              // The slow-but-correct programs' largest tests take from several seconds (03's and 07's
              // quadratic ones) to minutes (04's, about 6e8 steps); the correct references need at most
              // 0.21 s of CPU, so 2 s separates the two on any machine, busy or not.
              limits: { timeSec: 2 },
            });
            const failed = result.tests.find((t) => t.outcome !== "passed");
            return { name, failed: failed?.outcome ?? (result.compileError ? "compile_error" : "none") };
          }),
        );
        expect(verdicts.filter((v) => v.failed === "none")).toEqual([]);
      },
    );
  });
});
