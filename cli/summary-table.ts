import type { RunSummary } from "../method/run-summary";
import { formatTable } from "./table";

const pct = (x: number | undefined) => (x === undefined ? "-" : `${(x * 100).toFixed(1)}`);

/** The run's results as tables: pass@1 per method and difficulty, oracle per round, tokens per stage. */
export function formatSummary(summary: RunSummary): string {
  const difficulties = [
    ...new Set(Object.values(summary.methods).flatMap((m) => Object.keys(m.by_difficulty))),
  ].sort();
  const methods = formatTable(
    ["method", "pass@1 %", ...difficulties.map((d) => `${d} %`)],
    Object.entries(summary.methods).map(([label, m]) => [
      label,
      pct(m.pass_at_1),
      ...difficulties.map((d) => pct(m.by_difficulty[d])),
    ]),
  );
  const oracle = formatTable(
    ["round", "oracle pass@N %", "mean share correct %"],
    summary.oracle.pass_at_n.map((p, r) => [String(r), pct(p), pct(summary.oracle.mean_correct_share[r])]),
  );
  const tokens = formatTable(
    ["stage", "requests", "prompt tokens", "completion tokens"],
    Object.entries(summary.tokens).map(([stage, t]) => [
      stage,
      String(t.requests),
      String(t.prompt),
      String(t.completion),
    ]),
  );
  return [
    `run ${summary.run_id}: ${summary.problems} problems, N=${summary.budget.n}, R=${summary.budget.rounds}, grader ${summary.grader}`,
    "",
    methods,
    "",
    oracle,
    "",
    tokens,
  ].join("\n");
}
