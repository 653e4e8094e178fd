// Workflow history sizes of a finished run: per problem workflow, the history's encoded size and
// its largest payload (Temporal's limits: 2 MB per payload by default, sstar's own rule 256 KB).
// Usage: npx tsx bench/history-size.ts --data-dir DIR [--out bench/results/history-size]
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import proto from "@temporalio/proto";
import { forEachHistory, largestPayloadBytes } from "./bench-support";

const args = process.argv.slice(2);
const flag = (name: string, fallback?: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const dataDir = flag("--data-dir");
const out = flag("--out", "bench/results/history-size") as string;
if (!dataDir) throw new Error("--data-dir is required");

const rows: {
  workflowId: string;
  type: string;
  events: number;
  historyBytes: number;
  largestPayloadBytes: number;
}[] = [];
await forEachHistory(dataDir, (wf, history) =>
  rows.push({
    workflowId: wf.workflowId,
    type: wf.type,
    events: history.events?.length ?? 0,
    historyBytes: proto.temporal.api.history.v1.History.encode(history).finish().length,
    largestPayloadBytes: largestPayloadBytes(history),
  }),
);
const problems = rows.filter((r) => r.type === "problemWorkflow");
const max = (xs: number[]) => Math.max(0, ...xs);
const figures = {
  date: new Date().toISOString(),
  dataDir,
  workflows: rows.length,
  problemWorkflows: problems.length,
  largestProblemHistoryBytes: max(problems.map((r) => r.historyBytes)),
  meanProblemHistoryBytes: Math.round(
    problems.reduce((s, r) => s + r.historyBytes, 0) / Math.max(1, problems.length),
  ),
  largestProblemHistoryEvents: max(problems.map((r) => r.events)),
  largestPayloadBytes: max(rows.map((r) => r.largestPayloadBytes)),
  largestPayloadWorkflow:
    [...rows].sort((a, b) => b.largestPayloadBytes - a.largestPayloadBytes)[0]?.workflowId ?? "",
};
console.log(JSON.stringify(figures, null, 2));
mkdirSync(dirname(out), { recursive: true });
writeFileSync(`${out}.json`, `${JSON.stringify({ figures, rows }, null, 2)}\n`);
writeFileSync(
  `${out}.md`,
  [
    `# Workflow history sizes (${figures.date})`,
    "",
    `Data folder: \`${dataDir}\`; ${figures.problemWorkflows} problem workflows.`,
    "",
    "| figure | value |",
    "|---|---|",
    `| largest problem history | ${figures.largestProblemHistoryBytes} bytes, ${figures.largestProblemHistoryEvents} events (max) |`,
    `| mean problem history | ${figures.meanProblemHistoryBytes} bytes |`,
    `| largest single payload (any workflow) | ${figures.largestPayloadBytes} bytes (${figures.largestPayloadWorkflow}) |`,
    "",
  ].join("\n"),
);
