import { ApplicationFailure, Context } from "@temporalio/activity";
import type { Problem } from "../datasets/problem";
import type { SpendLedger } from "../ledger/types";
import { type LlmGateway, PermanentLlmError } from "../llm/llm-gateway";
import { ENDPOINT_REFUSED } from "../method/problem-error";
import type { ProgramExecutor } from "../sandbox/types";
import type { SpendRecorder } from "../spend/spend-recorder";
import type { ContentRef, ContentStore, KeyedStore } from "../store/content-store";

/** What every stage's activities are built from: the boundaries they do their I/O through. */
import type { RunTimelines } from "../worker/run-timeline";

export interface PipelineDeps {
  store: ContentStore;
  llm: LlmGateway;
  /** Created on first use: a worker that only orchestrates never starts sandboxes. */
  executor: () => Promise<ProgramExecutor>;
  executionCache: KeyedStore;
  /** Where datasets named by URL or `lcb:` are downloaded once. */
  datasetCacheDir: string;
  /** Where paid LLM responses and executed sandbox batches are recorded (the ledger first). */
  spend: SpendRecorder;
  /**
   * The ledger those records are read back from (a run's summary takes its spend from there), which
   * also keeps what an adaptive budget did not draw.
   */
  ledger: Pick<SpendLedger, "entries" | "recordSamplesSaved" | "samplesSaved">;
  /** Where the worker's time goes per run (endpoint, sandbox, orchestration); absent in some tests. */
  timeline?: RunTimelines;
}

/**
 * The failure type a run reads: `EndpointRefused` (a refused key, an unknown model or path) holds
 * for every problem alike, so the run stops starting problems; the others are this request's own.
 */
function permanentErrorType(kind: PermanentLlmError["kind"]): string {
  if (kind === "context_overflow") return "ContextOverflow";
  return kind === "auth" || kind === "not_found" ? ENDPOINT_REFUSED : "BadLlmRequest";
}

/** Temporal must not retry what cannot succeed; the message names what is wrong. */
export function permanent(err: unknown): never {
  if (err instanceof PermanentLlmError) {
    throw ApplicationFailure.nonRetryable(err.message, permanentErrorType(err.kind));
  }
  throw err;
}

/** How often running activities report liveness; a worker killed mid-activity is noticed within the heartbeat timeout. */
const HEARTBEAT_EVERY_MS = 10_000;

/**
 * Heartbeats while an activity runs. Without it a preempted worker's activity would only be retried
 * after its whole start-to-close timeout (up to an hour for a long generation).
 */
export function heartbeating<A extends unknown[], R>(
  activity: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args: A) => {
    const context = Context.current();
    const timer = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
    try {
      return await activity(...args);
    } finally {
      clearInterval(timer);
    }
  };
}

/** Problems by content ref, read once per worker (the last 256). */
export function problemLoader(store: ContentStore): (ref: ContentRef) => Promise<Problem> {
  const cache = new Map<string, Promise<Problem>>();
  return (ref) => {
    let problem = cache.get(ref);
    if (!problem) {
      problem = store.getJson<Problem>(ref);
      cache.set(ref, problem);
      if (cache.size > 256) cache.delete(cache.keys().next().value as string);
    }
    return problem;
  };
}
