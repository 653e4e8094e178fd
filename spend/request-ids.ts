import { createHash } from "node:crypto";
import type { ActivitySpend } from "./spend-context";

/**
 * Ledger request ids. A response is recorded once by the attempt that received it; the id is what
 * was asked (the batch's response-cache keys, or the execution-cache key), by which activity, and
 * `:<attempt>`, so a retry that has to ask again pays again under a new id, while the same
 * response recorded twice (a write retried after a lost acknowledgement) stays one entry.
 */
function requestId(kind: string, payer: ActivitySpend, asked: readonly string[]): string {
  const hash = createHash("sha256");
  hash.update(`${kind}\u0000${payer.runId}\u0000${payer.activity}`);
  for (const key of asked) hash.update(`\u0000${key}`);
  return `${hash.digest("hex")}:${payer.attempt}`;
}

/** The id of one LLM HTTP request: the cache keys of the choices it asked for. */
export function llmRequestId(payer: ActivitySpend, cacheKeys: readonly string[]): string {
  return requestId("llm", payer, cacheKeys);
}

/** The id of one executed sandbox batch: its execution-cache key. */
export function sandboxRequestId(payer: ActivitySpend, executionKey: string): string {
  return requestId("sandbox", payer, [executionKey]);
}
