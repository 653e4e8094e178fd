/** The report for the terminal: the per-setting table, the ledger's paid spend, the forecast check. */
import { formatTable } from "../cli/table";
import type { ReportModel } from "./report-model";
import { formatCount, formatUsd } from "./svg-plots";

const pct = (x: number) => (x * 100).toFixed(1);

export function formatReportText(model: ReportModel): string {
  const settingsTable = formatTable(
    [
      "setting",
      "method",
      "problems",
      "pass@1 %",
      ...model.difficulties.map((d) => `${d} %`),
      "tokens",
      "cost",
      ...model.stages.map((s) => `${s} tok`),
      "pareto",
    ],
    model.rows.map((r) => [
      r.setting,
      r.method,
      String(r.problems),
      pct(r.passAt1),
      ...model.difficulties.map((d) => (r.byDifficulty[d] === undefined ? "-" : pct(r.byDifficulty[d]))),
      String(r.tokens),
      r.unpriced ? `${formatUsd(r.costUsd)}+?` : formatUsd(r.costUsd),
      ...model.stages.map((s) => String(r.tokensByStage[s] ?? 0)),
      r.onParetoFront ? "*" : "",
    ]),
  );
  const parts = [
    `report ${model.runId} (${model.kind}, ${model.rows.length} settings, prices ${model.priceVersion})`,
    "",
    settingsTable,
    "",
    `tokens and cost are each setting's standalone spend; * = on the Pareto front of (${model.spendAxis === "usd" ? "cost" : "tokens"}, pass@1)`,
  ];
  if (model.kind === "sweep") {
    parts.push(
      "",
      formatTable(
        ["setting", "method", "paid tokens", "paid cost"],
        model.rows.map((r) => [r.setting, r.method, String(r.paidTokens), formatUsd(r.paidCostUsd)]),
      ),
    );
  }
  if (model.ledger) {
    parts.push(
      "",
      "paid (ledger):",
      formatTable(
        ["setting", "stage", "requests", "prompt", "completion", "sandbox cpu s", "cost"],
        model.ledger.rows.map((r) => [
          r.setting,
          r.stage,
          String(r.requests),
          String(r.promptTokens),
          String(r.completionTokens),
          r.cpuSeconds.toFixed(1),
          formatUsd(r.costUsd),
        ]),
      ),
      `total: ${formatCount(model.ledger.total.tokens)} tokens, ${model.ledger.total.cpuSeconds.toFixed(1)} sandbox CPU s, ${formatUsd(model.ledger.total.costUsd)}`,
    );
    for (const u of model.ledger.unpriced) parts.push(`unpriced: ${u}`);
  }
  if (model.forecast) {
    const f = model.forecast.forecast;
    const show = (metric: string, v: number) =>
      metric === "cost_usd" ? formatUsd(v) : metric === "seconds" ? `${v.toFixed(0)} s` : String(v);
    parts.push(
      "",
      `forecast (${f.source === "pilot" ? `pilot of ${f.pilot_problems}` : `from run ${f.pilot_run_id}`}, ${Math.round(f.interval * 100)}% interval) vs actual:`,
      formatTable(
        ["metric", "forecast", "low", "high", "actual", "inside", "error %"],
        model.forecast.checks.map((c) => [
          c.metric,
          show(c.metric, c.estimate),
          show(c.metric, c.low),
          show(c.metric, c.high),
          c.actual === null ? "-" : show(c.metric, c.actual),
          c.inside === null ? "-" : c.inside ? "yes" : "NO",
          c.relativeError === null ? "-" : (c.relativeError * 100).toFixed(1),
        ]),
      ),
    );
  }
  if (model.notes.length > 0) parts.push("", ...model.notes.map((n) => `note: ${n}`));
  return parts.join("\n");
}
