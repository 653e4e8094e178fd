import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { problemFromRow } from "../datasets/lcb-row";
import type { Problem } from "../datasets/problem";
import { readRows } from "../datasets/read-rows";
import { projectRoot } from "../runtime/paths";
import { createExecutor } from "../sandbox/create-executor";
import type { ExecutionResult, ProgramExecutor } from "../sandbox/types";
import { verdictList } from "../sandbox/verdicts";
import { tempDir } from "./helpers/processes";

const FIXTURES = join(projectRoot, "..", "shared", "data", "fixtures");
const SOLUTIONS = join(FIXTURES, "solutions");

interface ExpectedVerdicts {
  problem: string;
  verdicts: string[];
}
const expected = JSON.parse(readFileSync(join(FIXTURES, "expected_verdicts.json"), "utf8")) as Record<
  string,
  ExpectedVerdicts
>;

/** Every fixture problem, by id, with the file that holds it. */
async function fixtureProblems(): Promise<Map<string, { problem: Problem; file: string }>> {
  const problems = new Map<string, { problem: Problem; file: string }>();
  for (const name of readdirSync(FIXTURES).filter((f) => f.endsWith(".jsonl"))) {
    const file = join(FIXTURES, name);
    for await (const { row, where } of readRows(file)) {
      const problem = problemFromRow(row, where);
      problems.set(problem.id, { problem, file });
    }
  }
  return problems;
}

describe("verdictList", () => {
  const result = (over: Partial<ExecutionResult>): ExecutionResult => ({
    grader: "lcb",
    mode: "grade",
    tests: [],
    cpuMs: 0,
    wallMs: 0,
    isolation: "gvisor",
    ...over,
  });

  it("lists each test's verdict in order", () => {
    const tests = [
      { outcome: "passed" as const, cpuMs: 1, wallMs: 1 },
      { outcome: "time_limit" as const, cpuMs: 1, wallMs: 1 },
    ];
    expect(verdictList(result({ tests }), 5, true)).toEqual(["passed", "time_limit"]);
  });

  it("gives compile_error once when stopping at the first failure, for every test otherwise", () => {
    expect(verdictList(result({ compileError: "SyntaxError" }), 3, true)).toEqual(["compile_error"]);
    expect(verdictList(result({ compileError: "SyntaxError" }), 3, false)).toEqual([
      "compile_error",
      "compile_error",
      "compile_error",
    ]);
  });

  it("refuses collected results, which have no verdicts", () => {
    const tests = [{ outcome: "ok" as const, cpuMs: 1, wallMs: 1, output: "1" }];
    expect(() => verdictList(result({ mode: "collect", tests }), 1, true)).toThrow(/collected/);
  });
});

// Concurrent: the endless-loop fixture holds one sandbox for 5 × 6 s while the others run in the second.
describe.concurrent("LiveCodeBench grading fidelity in gVisor (expected_verdicts.json)", () => {
  let executor: ProgramExecutor;
  let problems: Map<string, { problem: Problem; file: string }>;
  const dataDir = tempDir("fidelity");

  beforeAll(async () => {
    problems = await fixtureProblems();
    executor = await createExecutor({ isolation: "gvisor", dataDir });
  });
  afterAll(async () => {
    await executor?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each(Object.entries(expected))("%s gets exactly its listed verdicts", async (solution, want) => {
    const found = problems.get(want.problem);
    if (!found) throw new Error(`no fixture file holds problem ${want.problem}`);
    const { problem } = found;
    const tests = [...problem.publicTests, ...problem.privateTests];
    expect(tests).toHaveLength(want.verdicts.length);
    const result = await executor.execute({
      program: readFileSync(join(SOLUTIONS, solution), "utf8"),
      kind: problem.kind,
      funcName: problem.funcName,
      tests,
      grader: "lcb",
      stopOnFailure: false,
    });
    expect(result.isolation).toBe("gvisor");
    expect(verdictList(result, tests.length, false), JSON.stringify(result.tests)).toEqual(want.verdicts);
  });

  // LiveCodeBench's loader instantiates `Solution` whenever the program's text has it, stdin programs
  // included; wrapped into a function for stdin, the class is no module attribute and loading fails.
  it("fails a stdin program containing `class Solution` under lcb, as LiveCodeBench does; ref runs it", async () => {
    const { problem } = problems.get("1873_A") as { problem: Problem };
    const program = [
      "class Solution:",
      "    def solve(self):",
      "        for _ in range(int(input())):",
      "            s = input().strip()",
      '            print("YES" if sum(a != b for a, b in zip(s, "abc")) in (0, 2) else "NO")',
      'if __name__ == "__main__":',
      "    Solution().solve()",
      "",
    ].join("\n");
    const tests = [...problem.publicTests, ...problem.privateTests];
    const run = (grader: "lcb" | "ref") =>
      executor.execute({ program, kind: "stdin", tests, grader, stopOnFailure: false });
    const [lcb, ref] = await Promise.all([run("lcb"), run("ref")]);
    expect(lcb.compileError).toMatch(/class Solution/);
    expect(verdictList(ref, tests.length, false)).toEqual(tests.map(() => "passed"));
  });
});

describe("sstar exec", () => {
  const dataDir = tempDir("exec-cli");
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const dataset = join(FIXTURES, "lcb_lite_raw_sample.jsonl");

  function sstar(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ["bin/sstar.js", "--data-dir", dataDir, ...args], {
        cwd: projectRoot,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        stdout += chunk;
      });
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
        stderr += chunk;
      });
      child.once("error", reject);
      child.once("close", (status) => resolve({ status, stdout, stderr }));
    });
  }

  const wrongAnswer = "lcb_1873_A_wrong_answer.py";
  const execArgs = (solution: string, ...more: string[]) => [
    "exec",
    "--dataset",
    dataset,
    "--problem",
    expected[solution]?.problem ?? "",
    "--program",
    join(SOLUTIONS, solution),
    ...more,
  ];

  it("--all --json prints every test's verdict under `verdicts`; without --all it stops at the first failure", async () => {
    const [all, first] = await Promise.all([
      sstar(execArgs(wrongAnswer, "--all", "--json")),
      sstar(execArgs(wrongAnswer, "--json")),
    ]);
    expect(all.status, all.stderr).toBe(0);
    const report = JSON.parse(all.stdout);
    expect(report.verdicts).toEqual(expected[wrongAnswer]?.verdicts);
    expect(report).toMatchObject({ problem: "1873_A", grader: "lcb", isolation: "gvisor", passed: false });
    expect(report.tests[0]).toMatchObject({
      set: "public",
      outcome: "wrong_answer",
      expected: "YES\nYES\nYES\nNO\nNO\nYES\n",
    });
    expect(report.tests[1]).toMatchObject({ set: "private", outcome: "passed" });

    expect(first.status, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).verdicts).toEqual(["wrong_answer"]);
  });

  it("grades a call problem and prints a table without --json", async () => {
    const solution = "lcb_2844_sumOfSquares_correct.py";
    const [json, table] = await Promise.all([sstar(execArgs(solution, "--json")), sstar(execArgs(solution))]);
    expect(json.status, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).verdicts).toEqual(expected[solution]?.verdicts);
    expect(table.status, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^#\s+set\s+verdict\s+cpu ms\s+wall ms\s+detail$/m);
    expect(table.stdout).toMatch(/^12\s+private\s+passed\s/m);
    expect(table.stdout).toMatch(/^PASSED: 12 passed$/m);
  });

  it("--input runs the program on given inputs and prints their outputs", async () => {
    const dir = join(dataDir, "inputs");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "one.txt"), "2\nabc\ncab\n");
    writeFileSync(join(dir, "two.txt"), "1\n");
    const args = execArgs(
      "lcb_1873_A_correct.py",
      "--input",
      join(dir, "one.txt"),
      "--input",
      join(dir, "two.txt"),
    );
    const result = await sstar([...args, "--json"]);
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.mode).toBe("collect");
    expect(report.tests.map((t: { outcome: string; output?: string }) => [t.outcome, t.output])).toEqual([
      ["ok", "YES\nNO\n"],
      ["runtime_error", undefined],
    ]);
  });

  it("exits 2 with one line naming the known ids for an unknown problem", async () => {
    const result = await sstar([
      "exec",
      "--dataset",
      dataset,
      "--problem",
      "9999_Z",
      "--program",
      join(SOLUTIONS, wrongAnswer),
    ]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toEqual([
      `sstar exec: no problem "9999_Z" in ${dataset}: its problems are 1873_A, 2812, 2844, abc301_a`,
    ]);
  });

  it("exits 2 for a program file it cannot read", async () => {
    const result = await sstar([
      "exec",
      "--dataset",
      dataset,
      "--problem",
      "2844",
      "--program",
      "/nonexistent/p.py",
    ]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^sstar exec: cannot read the program file \/nonexistent\/p\.py: ENOENT/);
  });
});
