import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { programExecution } from "../activities/program-execution";
import { projectRoot } from "../runtime/paths";
import { createExecutor } from "../sandbox/create-executor";
import type { EntryPointPolicy, GraderName, ProgramExecutor } from "../sandbox/types";
import { verdictList } from "../sandbox/verdicts";
import { tempDir } from "./helpers/processes";

/**
 * The one entry-point resolution (sandbox/runner/sstar_runner.py resolve_entry_point), tested on
 * its own through python3, then through the gVisor sandbox as every stage reaches it.
 */
const RUNNER_DIR = join(projectRoot, "sandbox", "runner");

interface Case {
  program: string;
  funcName?: string;
  /** Test inputs (one JSON value per line). */
  input?: string;
  policy?: EntryPointPolicy;
  grader?: GraderName;
}

/** What the resolved function returns on the input, or `NoEntryPoint: …`. */
function resolveAndCall(c: Case): string {
  const script = `
import json, sys
sys.path.insert(0, ${JSON.stringify(RUNNER_DIR)})
import sstar_runner as r
c = json.loads(sys.argv[1])
job = {"program": c["program"], "kind": "call", "grader": c.get("grader", "lcb"), "func_name": c.get("funcName"),
       "entry_point": c.get("policy", "resolve"), "tests": [{"input": c.get("input", "[1,2,3]\\n2")}]}
try:
    run = r.compile_program(job)
    print(run(job["tests"][0])["repr"])
except r.NoEntryPoint as e:
    print("NoEntryPoint: " + str(e))
except NameError as e:
    print("NameError: " + str(e))
`;
  return execFileSync("python3", ["-c", script, JSON.stringify(c)], { encoding: "utf8" }).trim();
}

const SUM_TIMES = "sum(nums) * k";
const forms: [string, string][] = [
  [
    "a Solution method with the row's name",
    `class Solution:\n    def maxSum(self, nums, k):\n        return ${SUM_TIMES}\n`,
  ],
  ["a snake_case method", `class Solution:\n    def max_sum(self, nums, k):\n        return ${SUM_TIMES}\n`],
  [
    "a generic Solution method",
    `class Solution:\n    def solve(self, nums, k):\n        return ${SUM_TIMES}\n`,
  ],
  ["a top-level function with the name", `def maxSum(nums, k):\n    return ${SUM_TIMES}\n`],
  ["a top-level snake_case function", `def max_sum(nums, k):\n    return ${SUM_TIMES}\n`],
  [
    "a top-level solve after a helper",
    `import math\n\ndef _total(xs):\n    return sum(xs)\n\ndef solve(nums, k):\n    return _total(nums) * k\n`,
  ],
  [
    "a main function before its helper",
    `def main(nums, k):\n    return total(nums) * k\n\ndef total(xs):\n    return sum(xs)\n`,
  ],
  [
    "a Solution with a private helper",
    `class Solution:\n    def _t(self, xs):\n        return sum(xs)\n    def answer(self, nums, k):\n        return self._t(nums) * k\n`,
  ],
  [
    "a Solution with a public helper",
    `class Solution:\n    def helper(self, xs, y):\n        return sum(xs)\n    def compute(self, nums, k):\n        return self.helper(nums, 0) * k\n`,
  ],
  ["a default argument", `def solve(nums, k, memo=None):\n    return ${SUM_TIMES}\n`],
];

describe("resolve_entry_point", () => {
  for (const grader of ["lcb", "ref"] as const) {
    it.each(forms)(`finds %s (grader ${grader})`, (_name, program) => {
      expect(resolveAndCall({ program, funcName: "maxSum", grader })).toBe("12");
    });
  }

  it("prefers the row's name over any other function", () => {
    const program = "def maxSum(nums, k):\n    return 1\n\ndef solve(nums, k):\n    return 2\n";
    expect(resolveAndCall({ program, funcName: "maxSum" })).toBe("1");
  });

  it("skips functions that cannot take the test's arguments", () => {
    const program = "def show(x):\n    return x\n\ndef best(nums, k):\n    return 7\n";
    expect(resolveAndCall({ program, funcName: "maxSum" })).toBe("7");
  });

  it("says what it looked for and found when nothing fits", () => {
    expect(resolveAndCall({ program: "x = 1\n", funcName: "maxSum" })).toBe(
      "NoEntryPoint: the program defines no function to call: looked for 'maxSum', or a function taking 2 argument(s), on class Solution or at top level; found no functions",
    );
    expect(resolveAndCall({ program: "def f(a):\n    return a\n", funcName: "maxSum" })).toMatch(
      /^NoEntryPoint: .*found f$/,
    );
  });

  it("strict keeps each grader's own rule", () => {
    const snake = `def max_sum(nums, k):\n    return ${SUM_TIMES}\n`;
    expect(resolveAndCall({ program: snake, funcName: "maxSum", policy: "strict" })).toBe(
      "NoEntryPoint: the program defines no function 'maxSum'",
    );
    // The reference's rule: the last word before the first "(" (any name works, helpers first fail).
    expect(resolveAndCall({ program: snake, funcName: "maxSum", policy: "strict", grader: "ref" })).toBe(
      "12",
    );
    const exact = `class Solution:\n    def maxSum(self, nums, k):\n        return ${SUM_TIMES}\n`;
    expect(resolveAndCall({ program: exact, funcName: "maxSum", policy: "strict" })).toBe("12");
  });

  it("gives LeetCode's prelude (List, …) to a resolved program under either grader; strict ref keeps the bare exec", () => {
    const annotated = `class Solution:\n    def maxSum(self, nums: List[int], k: int) -> int:\n        return ${SUM_TIMES}\n`;
    expect(resolveAndCall({ program: annotated, funcName: "maxSum", grader: "lcb" })).toBe("12");
    expect(resolveAndCall({ program: annotated, funcName: "maxSum", grader: "ref" })).toBe("12");
    expect(resolveAndCall({ program: annotated, funcName: "maxSum", grader: "lcb", policy: "strict" })).toBe(
      "12",
    );
    expect(resolveAndCall({ program: annotated, funcName: "maxSum", grader: "ref", policy: "strict" })).toBe(
      "NameError: name 'List' is not defined",
    );
  });
});

describe("entry points through the sandbox", () => {
  let executor: ProgramExecutor;
  beforeAll(async () => {
    executor = await createExecutor({ dataDir: tempDir("sstar-entry-"), poolSize: 1 });
  }, 120_000);
  afterAll(async () => executor?.close());

  const problem = { kind: "call" as const, funcName: "maxSum" };
  const config = (entryPoint: EntryPointPolicy) => ({
    grader: "lcb" as const,
    limits: {},
    execution: { entryPoint, dictInputs: "keywords" as const },
  });
  const tests = [
    { input: "[1,2,3]\n2", expected: "12" },
    { input: "[5]\n3", expected: "15" },
  ];

  it("grades a renamed top-level function as LiveCodeBench grades the right name", async () => {
    const program = `def max_sum(nums, k):\n    return ${SUM_TIMES}\n`;
    const result = await executor.execute(
      programExecution(problem, program, tests, config("resolve"), { mode: "grade" }),
    );
    expect(verdictList(result, tests.length, true)).toEqual(["passed", "passed"]);
    const strict = await executor.execute(
      programExecution(problem, program, tests, config("strict"), { mode: "grade" }),
    );
    expect(verdictList(strict, tests.length, true)).toEqual(["no_entry_point"]);
  }, 60_000);

  it("gives a program with nothing to call its own verdict, not a runtime error", async () => {
    const result = await executor.execute(
      programExecution(problem, "print('hello')\n", tests, config("resolve"), { mode: "grade" }),
    );
    expect(result.loadFailure).toBe("no_entry_point");
    expect(result.compileError).toMatch(/defines no function to call/);
    expect(verdictList(result, tests.length, false)).toEqual(["no_entry_point", "no_entry_point"]);
  }, 60_000);

  it("passes a generated dict input as keyword arguments (the reference's generated tests)", async () => {
    const program = "class Solution:\n    def maxSum(self, nums, k):\n        return sum(nums) * k\n";
    const result = await executor.execute(
      programExecution(
        problem,
        program,
        [{ input: JSON.stringify({ k: 2, nums: [1, 2, 3] }), keywords: true }],
        config("resolve"),
        {
          mode: "collect",
        },
      ),
    );
    expect(result.tests[0]?.outcome).toBe("ok");
    expect(result.tests[0]?.output).toBe("12");
  }, 60_000);
});
