import { join } from "node:path";
import type { RunProgress } from "../workflows/pipeline-types";

// Where a run lives and how its progress reads: shared by the commands without loading `sstar run`.

export const runWorkflowId = (runId: string) => `sstar-run-${runId}`;
export const resultsDirOf = (dataDir: string, runId: string) => join(dataDir, "runs", runId);

export function progressLine(p: RunProgress): string {
  const tokens = Object.values(p.usage).reduce((sum, u) => sum + (u?.prompt ?? 0) + (u?.completion ?? 0), 0);
  const minutes = (Date.now() - p.startedAt) / 60_000;
  const rate = minutes > 0 ? (p.done / minutes).toFixed(1) : "-";
  return `progress: ${p.done}/${p.total ?? "?"} problems done, ${p.inFlight} in flight, ${tokens} tokens, ${rate} problems/min`;
}
