import type { ProblemEntry, ProblemOutcome } from "./pipeline-records";

/** Why a problem ended errored: where it failed, what failed, and whether retries were spent. */
export interface ProblemError {
  /** The activity (stage) that failed, e.g. `generateSamples`; `workflow` when no activity did. */
  stage: string;
  /** The error's class or type, e.g. `APIConnectionError`, `AuthenticationError`. */
  errorClass: string;
  message: string;
  /** Temporal's verdict on the retries: MAXIMUM_ATTEMPTS_REACHED, NON_RETRYABLE_FAILURE, TIMEOUT, … */
  retryState?: string;
}

interface FailureLike {
  name?: string;
  message?: string;
  type?: string | null;
  activityType?: string;
  retryState?: string | number;
  cause?: unknown;
}

/**
 * The reason of a child problem workflow's failure, read from Temporal's failure chain
 * (ChildWorkflowFailure → ActivityFailure → ApplicationFailure, …). Pure, so the run workflow
 * can call it; duck-typed, so it reads failures however they were serialized.
 */
/** The error class of a failure that every problem of the run would meet: the endpoint refuses the run. */
export const ENDPOINT_REFUSED = "EndpointRefused";

export function problemErrorOf(err: unknown): ProblemError {
  let stage: string | undefined;
  let retryState: string | undefined;
  let innermost: FailureLike | undefined;
  const seen = new Set<unknown>();
  for (
    let f = err as FailureLike | undefined;
    f && typeof f === "object" && !seen.has(f);
    f = f.cause as FailureLike
  ) {
    seen.add(f);
    if (f.activityType && !stage) stage = f.activityType;
    if (f.activityType && f.retryState !== undefined) retryState = String(f.retryState);
    innermost = f;
  }
  const errorClass =
    (innermost?.type ?? undefined) ||
    (innermost?.name && innermost.name !== "ApplicationFailure" ? innermost.name : "Error");
  return {
    stage: stage ?? "workflow",
    errorClass,
    message: (innermost?.message ?? String(err)).split("\n")[0] ?? "",
    ...(retryState ? { retryState } : {}),
  };
}

/** A problem's line in the results when it errored: every method not passed, with the reason. */
export function erroredOutcome(
  problem: ProblemEntry,
  methodLabels: string[],
  error: ProblemError,
): Omit<ProblemOutcome, "recordRef"> {
  const reason = `errored in ${error.stage}: ${error.errorClass}: ${error.message}`;
  return {
    problemId: problem.id,
    difficulty: problem.difficulty,
    status: "errored",
    error,
    samples: 0,
    rounds: 0,
    methods: methodLabels.map((label) => ({ label, selected: null, passed: false, reason })),
    oracleByRound: [],
    correctByRound: [],
    usage: {},
  };
}
