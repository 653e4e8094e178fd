import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { V1Pod } from "@kubernetes/client-node";

/** A worker pod taken away while a run went on: what the run survived. */
export interface WorkerPreemption {
  at: string;
  pod: string;
  node: string | null;
  /**
   * Why, as the API says: the DisruptionTarget condition's reason (PreemptionByScheduler,
   * EvictionByEvictionAPI, DeletionByTaintManager, TerminationByKubelet, ...), or `Deleted` for a
   * pod deleted without one (a node reclaimed, a scale-down, `kubectl delete`).
   */
  reason: string;
}

/**
 * The preemption a watch event shows, if any: the first sign per pod (its DisruptionTarget
 * condition, or its deletion). `seen` holds the pods already reported.
 */
export function preemptionOf(
  type: string,
  pod: V1Pod,
  seen: Set<string>,
  now: () => Date = () => new Date(),
): WorkerPreemption | undefined {
  const id = pod.metadata?.uid ?? pod.metadata?.name ?? "";
  if (seen.has(id)) return undefined;
  const disruption = pod.status?.conditions?.find(
    (c) => c.type === "DisruptionTarget" && c.status === "True",
  );
  const deleted = type === "DELETED" || pod.metadata?.deletionTimestamp !== undefined;
  if (!disruption && !deleted) return undefined;
  seen.add(id);
  return {
    at: now().toISOString(),
    pod: pod.metadata?.name ?? "?",
    node: pod.spec?.nodeName ?? null,
    reason: disruption?.reason ?? "Deleted",
  };
}

/** The file in a run's results folder that the launcher appends preemptions to, one JSON line each. */
export const WORKER_PREEMPTIONS_FILE = "worker-preemptions.jsonl";

/** The preemptions recorded for a run so far; none when nothing was recorded (not in a cluster). */
export function readPreemptions(resultsDir: string): WorkerPreemption[] {
  const file = join(resultsDir, WORKER_PREEMPTIONS_FILE);
  return existsSync(file) ? parsePreemptions(readFileSync(file, "utf8")) : [];
}

export function parsePreemptions(text: string): WorkerPreemption[] {
  return text
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as WorkerPreemption);
}
