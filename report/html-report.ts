import { BREAKDOWN_CATEGORIES } from "../method/time-breakdown";
/**
 * The report as one self-contained HTML page (pure): inline CSS, inline SVG plots, and a small
 * inline script that marks each plot `data-rendered="ok"` once its SVG has laid out non-empty
 * marks, so a headless browser can tell that the plots really render. Nothing is fetched.
 */
import type { ReportModel, SettingRow } from "./report-model";
import {
  escapeXml as esc,
  formatCount,
  formatPercent,
  formatUsd,
  groupedBarsSvg,
  paretoScatterSvg,
  stackedBarsSvg,
} from "./svg-plots";

const CSS = `
body { font-family: sans-serif; margin: 24px; color: #222; max-width: 1200px; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 32px; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
th { background: #f3f3f3; } td.text, th.text { text-align: left; max-width: 360px; overflow-wrap: anywhere; }
tr.front td { background: #f4faf0; }
figure.plot { margin: 16px 0; } figcaption { font-size: 13px; color: #555; margin-top: 4px; }
.note { color: #555; font-size: 13px; } .miss { color: #b00; font-weight: bold; }
`;

/** Marks every figure.plot with data-rendered = ok | empty after checking its SVG's layout. */
const RENDER_CHECK = `
(function () {
  document.querySelectorAll("figure.plot").forEach(function (figure) {
    var svg = figure.querySelector("svg");
    var marks = figure.querySelectorAll("[data-mark]");
    var ok = false;
    try {
      var box = svg ? svg.getBBox() : null;
      var laidOut = Array.prototype.some.call(marks, function (m) {
        var b = m.getBBox();
        return b.width > 0 && b.height > 0;
      });
      ok = !!box && box.width > 0 && box.height > 0 && laidOut;
    } catch (e) {
      ok = false;
    }
    figure.setAttribute("data-rendered", ok ? "ok" : "empty");
  });
  document.body.setAttribute("data-plots-checked", "true");
})();
`;

/** Unique short labels: method names without options when that leaves them distinct. */
export function shortMethodLabels(methods: readonly string[]): Map<string, string> {
  const short = (m: string) => m.replace(/\(.*$/, "");
  const unique = new Set(methods.map(short)).size === new Set(methods).size;
  return new Map(methods.map((m) => [m, unique ? short(m) : m]));
}

function cell(text: string, cls = ""): string {
  return `<td${cls ? ` class="${cls}"` : ""}>${esc(text)}</td>`;
}

function settingsTable(model: ReportModel): string {
  const head = [
    '<th class="text">setting</th>',
    '<th class="text">method</th>',
    "<th>problems</th>",
    "<th>pass@1</th>",
    ...model.difficulties.map((d) => `<th>${esc(d)}</th>`),
    "<th>tokens</th>",
    "<th>cost</th>",
    ...(model.kind === "sweep" ? ["<th>paid tokens</th>", "<th>paid cost</th>"] : []),
    "<th>Pareto</th>",
  ].join("");
  const row = (r: SettingRow) =>
    `<tr${r.onParetoFront ? ' class="front"' : ""}>${[
      cell(r.setting, "text"),
      cell(r.method, "text"),
      cell(String(r.problems)),
      cell(formatPercent(r.passAt1)),
      ...model.difficulties.map((d) =>
        cell(r.byDifficulty[d] === undefined ? "-" : formatPercent(r.byDifficulty[d] as number)),
      ),
      cell(String(r.tokens)),
      cell(r.unpriced ? `${formatUsd(r.costUsd)} + unpriced` : formatUsd(r.costUsd)),
      ...(model.kind === "sweep" ? [cell(String(r.paidTokens)), cell(formatUsd(r.paidCostUsd))] : []),
      cell(r.onParetoFront ? "★" : ""),
    ].join("")}</tr>`;
  return `<table id="settings"><thead><tr>${head}</tr></thead><tbody>${model.rows.map(row).join("")}</tbody></table>`;
}

function stagesTable(model: ReportModel): string {
  const head = [
    '<th class="text">setting</th>',
    '<th class="text">method</th>',
    ...model.stages.map((s) => `<th>${esc(s)}</th>`),
    "<th>total</th>",
  ].join("");
  const rows = model.rows
    .map(
      (r) =>
        `<tr>${[
          cell(r.setting, "text"),
          cell(r.method, "text"),
          ...model.stages.map((s) => cell(String(r.tokensByStage[s] ?? 0))),
          cell(String(r.tokens)),
        ].join("")}</tr>`,
    )
    .join("");
  return `<table id="stages"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
}

function ledgerTable(model: ReportModel): string {
  if (!model.ledger) return "";
  const l = model.ledger;
  const rows = l.rows
    .map(
      (r) =>
        `<tr>${[
          cell(r.setting, "text"),
          cell(r.stage, "text"),
          cell(String(r.requests)),
          cell(String(r.promptTokens)),
          cell(String(r.completionTokens)),
          cell(r.cpuSeconds.toFixed(1)),
          cell(formatUsd(r.costUsd)),
        ].join("")}</tr>`,
    )
    .join("");
  return `<h2>Paid spend (ledger)</h2>
<table id="ledger"><thead><tr><th class="text">setting</th><th class="text">stage</th><th>requests</th><th>prompt</th><th>completion</th><th>sandbox CPU s</th><th>cost</th></tr></thead><tbody>${rows}</tbody></table>
<p class="note">Total: ${esc(formatCount(l.total.tokens))} tokens, ${l.total.cpuSeconds.toFixed(1)} sandbox CPU seconds, ${esc(formatUsd(l.total.costUsd))}.</p>
${l.unpriced.map((u) => `<p class="note">Unpriced: ${esc(u)}</p>`).join("")}`;
}

function forecastTable(model: ReportModel): string {
  if (!model.forecast) return "";
  const { forecast: f, checks, basis } = model.forecast;
  const show = (metric: string, v: number) =>
    metric === "cost_usd" ? formatUsd(v) : metric === "seconds" ? `${v.toFixed(0)} s` : String(v);
  const rows = checks
    .map(
      (c) =>
        `<tr>${[
          cell(c.metric, "text"),
          cell(show(c.metric, c.estimate)),
          cell(show(c.metric, c.low)),
          cell(show(c.metric, c.high)),
          cell(c.actual === null ? "-" : show(c.metric, c.actual)),
          c.inside === false ? '<td class="miss">no</td>' : cell(c.inside === null ? "-" : "yes"),
          cell(c.relativeError === null ? "-" : `${(c.relativeError * 100).toFixed(1)}%`),
        ].join("")}</tr>`,
    )
    .join("");
  const source = f.source === "pilot" ? `a pilot of ${f.pilot_problems} problems` : `run ${f.pilot_run_id}`;
  return `<h2>Forecast versus actual</h2>
<p class="note">Forecast of ${f.problems} problems from ${esc(source)} (${Math.round(f.interval * 100)}% interval; ${esc(f.method)}).</p>
<table id="forecast"><thead><tr><th class="text">metric</th><th>forecast</th><th>low</th><th>high</th><th>actual</th><th>inside</th><th>error</th></tr></thead><tbody>${rows}</tbody></table>
<p class="note">${esc(basis)}.</p>`;
}

function figure(id: string, caption: string, svg: string): string {
  return `<figure class="plot" id="${id}" data-rendered="pending">${svg}<figcaption>${esc(caption)}</figcaption></figure>`;
}

/** The whole report page. */
export function renderHtmlReport(model: ReportModel): string {
  const labels = shortMethodLabels(model.rows.map((r) => r.method));
  const rowLabel = (r: SettingRow) => `${labels.get(r.method) ?? r.method} @ ${r.setting}`;
  const usd = model.spendAxis === "usd";
  const spendOf = (r: SettingRow) => (usd ? r.costUsd : r.tokens);
  const pareto = paretoScatterSvg(
    model.rows.map((r) => ({
      label: rowLabel(r),
      // The adaptive budget's points get their own colour: the plot compares policies as well as methods.
      group: `${labels.get(r.method) ?? r.method}${r.policy === "adaptive" ? " (adaptive)" : ""}`,
      x: spendOf(r),
      y: r.passAt1,
      onFront: r.onParetoFront,
    })),
    {
      title: "pass@1 against spend per setting",
      xLabel: usd ? "standalone cost (USD)" : "standalone tokens",
      formatX: usd ? formatUsd : formatCount,
    },
  );
  const stages = stackedBarsSvg(
    model.rows.map(rowLabel),
    model.stages,
    model.rows.map((r) => model.stages.map((s) => r.tokensByStage[s] ?? 0)),
    { title: "tokens by stage", xLabel: "tokens (prompt + completion)", formatX: formatCount },
  );
  const methods = groupedBarsSvg(
    model.methodComparison.map((g) => ({
      label: g.setting,
      bars: g.methods.map((m) => ({ label: labels.get(m.method) ?? m.method, value: m.passAt1 })),
      ...(g.oracle === undefined ? {} : { reference: { label: "oracle pass@N", value: g.oracle } }),
    })),
    { title: "selection-method comparison", xLabel: "pass@1" },
  );
  const time = model.timeBreakdown;
  const timeBar = time
    ? stackedBarsSvg(
        ["run wall time"],
        [...BREAKDOWN_CATEGORIES],
        [BREAKDOWN_CATEGORIES.map((c) => time[c])],
        { title: "where the run's wall time went", xLabel: "seconds", formatX: formatCount },
      )
    : "";
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>sstar report ${esc(model.runId)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>sstar report: ${esc(model.runId)}</h1>
<p class="note">${esc(model.kind === "sweep" ? "Sweep" : "Run")} with ${model.rows.length} settings; prices ${esc(model.priceVersion)}; generated ${esc(model.generatedAt)}.</p>
${model.notes.map((n) => `<p class="note">${esc(n)}</p>`).join("\n")}
${forecastTable(model)}
<h2>Plots</h2>
${figure("plot-pareto", "pass@1 against standalone spend per setting; ringed points joined by the dashed staircase are the Pareto front.", pareto)}
${figure("plot-stages", "Tokens by stage per setting (standalone).", stages)}
${figure("plot-methods", "pass@1 per selection method, grouped by budget setting; the dashed line is the oracle's pass@N.", methods)}
${time ? figure("plot-time", `The run's ${time.wall.toFixed(0)} s of wall time: waiting on the endpoint, sandbox execution (no LLM request in flight), Temporal and the pipeline's own work (neither), idle (nothing in flight).`, timeBar) : ""}
<h2>Settings</h2>
${settingsTable(model)}
<p class="note">Tokens and cost are each setting's standalone spend (what it would cost run alone); ★ marks the Pareto front of (${usd ? "cost" : "tokens"}, pass@1).</p>
<h2>Spend by stage</h2>
${stagesTable(model)}
<p class="note">Tokens (prompt + completion) of each stage that the setting uses, standalone.</p>
${ledgerTable(model)}
<script>${RENDER_CHECK}</script>
</body>
</html>
`;
}
