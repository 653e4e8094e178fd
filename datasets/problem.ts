import type { TestCase as ExecutionTestCase, ProblemKind } from "../sandbox/types";

/** A graded test of a dataset: unlike an execution request's test, it always has an expected output. */
export interface TestCase extends ExecutionTestCase {
  expected: string;
}

/** One benchmark problem, whatever dataset it came from. */
export interface Problem {
  id: string;
  title: string;
  /** The statement: the only text the model is shown. Empty when the row has none (grading-only data). */
  content: string;
  /** `leetcode`, `atcoder` or `codeforces`. */
  platform: string;
  /** ISO date of the contest; empty when the dataset does not say. */
  contestDate: string;
  /**
   * LiveCodeBench's `easy`, `medium` or `hard`; for CodeContests, its difficulty enum's name (`A`, `B`, …,
   * mostly the Codeforces problem letter), since that dataset has no easy/medium/hard split.
   */
  difficulty: string;
  /** The LeetCode stub (kept for graders and tools; S* never shows it to the model). Empty for stdin problems. */
  starterCode: string;
  /** The method the grader calls on call problems (LiveCodeBench's `metadata.func_name`). */
  funcName?: string;
  kind: ProblemKind;
  /** The statement's examples: what generation may see and refine against. */
  publicTests: TestCase[];
  /** Hidden tests, used only to grade. */
  privateTests: TestCase[];
  /** A known-correct program (sstar's own JSONL rows carry one). */
  referenceSolution?: string;
}

/** A dataset row that cannot be read or turned into a Problem; the message starts with `where: field:`. */
export class BadRowError extends Error {
  constructor(
    /** `file:line`, or `file[index]` for a JSON array. */
    readonly where: string,
    /** The offending field (`private_test_cases[3].output`), or undefined when the row itself is unreadable. */
    readonly field: string | undefined,
    detail: string,
  ) {
    super(field === undefined ? `${where}: ${detail}` : `${where}: ${field}: ${detail}`);
    this.name = "BadRowError";
  }
  /** Bad input: the CLI's exit code when this ends a command. */
  get exitCode(): 2 {
    return 2;
  }
}

/**
 * A row whose problem has no hidden test: grading it would pass any program (a vacuous pass), so it
 * is a bad row. It carries the problem so a report can still say what kind of problem was left out.
 */
export class NoHiddenTestsError extends BadRowError {
  constructor(
    where: string,
    readonly problem: Problem,
  ) {
    super(
      where,
      "private_test_cases",
      `problem "${problem.id}" has no hidden tests, so grading it would pass any program (--skip-bad skips and counts such rows)`,
    );
  }
}
