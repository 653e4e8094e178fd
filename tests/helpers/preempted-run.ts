/**
 * What the preemption tests share: the simulator's request log, the results of a run without their
 * per-problem spend (which a preempted run legitimately differs in), and how many requests a run
 * asked again.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { RequestLogEntry } from "../../simulator/request-log";

export function readRequestLog(file: string): RequestLogEntry[] {
  return readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as RequestLogEntry);
}

/** A run's results.jsonl lines without `usage`: everything a resumed run must reproduce. */
export function resultsWithoutUsage(dataDir: string, runId: string): Record<string, unknown>[] {
  return readFileSync(join(dataDir, "runs", runId, "results.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => {
      const { usage: _usage, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return rest;
    });
}

/** Requests the endpoint saw more than once (same content), counted beyond their first time. */
export function repeatedRequests(entries: readonly RequestLogEntry[]): number {
  const seen = new Map<string, number>();
  for (const e of entries) seen.set(e.content_hash, (seen.get(e.content_hash) ?? 0) + 1);
  return [...seen.values()].reduce((sum, count) => sum + count - 1, 0);
}
