import type { ExecutionResult, Verdict } from "./types";

/**
 * The verdict of each test in order, as LiveCodeBench lists them: a program that does not load fails
 * the first test when grading stops at the first failure, and every test otherwise.
 */
export function verdictList(result: ExecutionResult, testCount: number, stopOnFailure: boolean): Verdict[] {
  if (result.compileError !== undefined) {
    const verdict: Verdict = result.loadFailure === "no_entry_point" ? "no_entry_point" : "compile_error";
    return stopOnFailure || testCount === 0 ? [verdict] : Array(testCount).fill(verdict);
  }
  return result.tests.map((test, i) => {
    if (test.outcome === "ok") throw new Error(`test ${i} was collected, not graded: it has no verdict`);
    return test.outcome;
  });
}
