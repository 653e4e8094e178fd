import type { RunConfig } from "../config/run-config";
import type { Problem } from "../datasets/problem";
import type { ExecutionRequest, GraderName, TestCase } from "../sandbox/types";

/**
 * The one way every stage runs a candidate program on a problem (public tests in generation and
 * refinement, generated and adaptive inputs, tournament grounding, hidden-test grading): the
 * problem's kind and function name, the run's limits, and the run's entry-point resolution, so a
 * program that one stage can call is callable in every stage (docs/entry-points.md).
 */
export function programExecution(
  problem: Pick<Problem, "kind" | "funcName">,
  program: string,
  tests: TestCase[],
  config: Pick<RunConfig, "grader" | "limits" | "execution">,
  options: { mode: "grade" | "collect"; grader?: GraderName; stopOnFailure?: boolean },
): ExecutionRequest {
  return {
    program,
    kind: problem.kind,
    funcName: problem.funcName,
    tests,
    mode: options.mode,
    grader: options.grader ?? config.grader,
    ...(options.mode === "grade" ? { stopOnFailure: options.stopOnFailure ?? true } : {}),
    limits: config.limits,
    entryPoint: config.execution.entryPoint,
  };
}
