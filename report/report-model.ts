/**
 * The report's data (pure): table rows, plot series, the ledger's paid spend and the forecast
 * check, from a run's settings, a price table, the ledger's totals and the forecast if there is one.
 * Renderers (the terminal table, the HTML file) only lay this out.
 */
import { compareForecast, type Forecast, type ForecastCheck } from "../estimate/forecast";
import type { PriceOptions, PriceTable } from "../ledger/prices";
import { priceTotals } from "../ledger/prices";
import type { ModelUsage, Totals } from "../ledger/types";
import type { TimeBreakdownSeconds } from "../method/time-breakdown";
import { paretoFront } from "./pareto";
import { priceUsage } from "./price-usage";
import type { SettingSpend, SettingsFile } from "./setting-results";

/** Stages in pipeline order; others follow alphabetically. */
export const STAGE_ORDER = [
  "generate",
  "refine",
  "reask",
  "test_inputs",
  "adaptive_inputs",
  "judge",
  "fallback_judge",
];

export interface ReportInput {
  settings: SettingsFile;
  /**
   * Other runs shown beside it on the same table and plots (e.g. an adaptive run beside a sweep):
   * their settings only; the ledger, forecast and time sections stay the first run's.
   */
  compared?: SettingsFile[];
  prices: PriceTable;
  priceOptions?: PriceOptions;
  /** The ledger's totals for the run grouped by budget setting and stage; absent or empty when none. */
  ledger?: Totals;
  /**
   * The run's whole spend from its results (every stage once; problems it reused from its pilot at
   * the pilot's spend, see runSpendByStage), for the forecast check.
   */
  runSpend?: { usage: ModelUsage[]; sandboxCpuSeconds: number; seconds: number | null; reusedPilot: boolean };
  forecast?: Forecast;
  /** The oracle's pass@N per budget setting (an upper bound for any selection), when known. */
  oracle?: { setting: string; passAtN: number }[];
  /** Where the run's wall time went (summary.json `time_breakdown_s`), when recorded. */
  timeBreakdown?: TimeBreakdownSeconds & { wall: number };
  generatedAt: string;
}

export interface SettingRow {
  setting: string;
  n: number;
  rounds: number;
  policy?: "adaptive";
  /** The run the row comes from when the report compares several (`sstar report --with`). */
  runId?: string;
  method: string;
  problems: number;
  passAt1: number;
  byDifficulty: Record<string, number>;
  /** Standalone spend: what the setting costs run alone (the x of the Pareto plot). */
  promptTokens: number;
  completionTokens: number;
  tokens: number;
  costUsd: number;
  /** Usage the price table could not price (then costUsd leaves it out). */
  unpriced: boolean;
  tokensByStage: Record<string, number>;
  /** What was actually paid for this setting (differs from standalone in a sweep). */
  paidTokens: number;
  paidCostUsd: number;
  onParetoFront: boolean;
}

export interface LedgerSection {
  rows: {
    setting: string;
    stage: string;
    requests: number;
    promptTokens: number;
    completionTokens: number;
    cpuSeconds: number;
    costUsd: number;
  }[];
  total: { tokens: number; costUsd: number; cpuSeconds: number };
  unpriced: string[];
}

export interface ReportModel {
  runId: string;
  kind: SettingsFile["kind"];
  generatedAt: string;
  priceVersion: string;
  /** The Pareto plot's x: dollars when anything costs money, else tokens (e.g. a free simulator). */
  spendAxis: "usd" | "tokens";
  difficulties: string[];
  stages: string[];
  rows: SettingRow[];
  /** Row indices on the Pareto front of (spend, pass@1), by spend. */
  paretoFront: number[];
  /** pass@1 per method, grouped by budget setting, with the oracle's pass@N as reference. */
  methodComparison: {
    setting: string;
    methods: { method: string; passAt1: number }[];
    oracle?: number;
  }[];
  ledger?: LedgerSection;
  forecast?: { forecast: Forecast; checks: ForecastCheck[]; basis: string };
  timeBreakdown?: TimeBreakdownSeconds & { wall: number };
  notes: string[];
}

const sumTokens = (s: SettingSpend) =>
  Object.values(s.byStage).reduce((sum, t) => sum + t.promptTokens + t.completionTokens, 0);

export function orderStages(stages: Iterable<string>): string[] {
  const rank = (s: string) => {
    const i = STAGE_ORDER.indexOf(s);
    return i < 0 ? STAGE_ORDER.length : i;
  };
  return [...new Set(stages)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function ledgerSection(ledger: Totals, input: ReportInput): LedgerSection {
  const priced = priceTotals(ledger, input.prices, input.priceOptions);
  return {
    rows: priced.rows.map((r) => ({
      setting: r.key.budgetSetting ?? "",
      stage: r.key.stage ?? "",
      requests: r.requests,
      promptTokens: r.promptTokens,
      completionTokens: r.completionTokens,
      cpuSeconds: r.cpuSeconds,
      costUsd: r.cost.totalUsd,
    })),
    total: {
      tokens: priced.rows.reduce((s, r) => s + r.promptTokens + r.completionTokens, 0),
      costUsd: priced.total.totalUsd,
      cpuSeconds: priced.rows.reduce((s, r) => s + r.cpuSeconds, 0),
    },
    unpriced: priced.total.unpriced.map((u) => `${u.model} @ ${u.endpoint}: ${u.reason}`),
  };
}

export function buildReportModel(input: ReportInput): ReportModel {
  const { settings, prices } = input;
  const notes: string[] = [];
  const compared = input.compared ?? [];
  const all = [
    ...settings.settings.map((s) => ({ s, runId: settings.runId })),
    ...compared.flatMap((file) => file.settings.map((s) => ({ s, runId: file.runId }))),
  ];
  const rows: SettingRow[] = all.map(({ s, runId }) => {
    const cost = priceUsage(s.standalone.usage, s.standalone.sandboxCpuSeconds, prices, input.priceOptions);
    const paid = priceUsage(s.paid.usage, s.paid.sandboxCpuSeconds, prices, input.priceOptions);
    const stageValues = Object.entries(s.standalone.byStage);
    return {
      setting: s.setting,
      n: s.n,
      rounds: s.rounds,
      ...(s.policy ? { policy: s.policy } : {}),
      ...(compared.length ? { runId } : {}),
      method: s.method,
      problems: s.problems,
      passAt1: s.passAt1,
      byDifficulty: { ...s.byDifficulty },
      promptTokens: stageValues.reduce((sum, [, t]) => sum + t.promptTokens, 0),
      completionTokens: stageValues.reduce((sum, [, t]) => sum + t.completionTokens, 0),
      tokens: sumTokens(s.standalone),
      costUsd: cost.totalUsd,
      unpriced: cost.unpriced.length > 0,
      tokensByStage: Object.fromEntries(
        stageValues.map(([k, t]) => [k, t.promptTokens + t.completionTokens]),
      ),
      paidTokens: sumTokens(s.paid),
      paidCostUsd: paid.totalUsd,
      onParetoFront: false,
    };
  });
  if (compared.length)
    notes.push(
      `Settings of run${compared.length > 1 ? "s" : ""} ${compared.map((c) => c.runId).join(", ")} are shown beside ${settings.runId}'s; the ledger section is ${settings.runId}'s alone.`,
    );
  const spendAxis = rows.some((r) => r.costUsd > 0) ? "usd" : "tokens";
  if (spendAxis === "tokens")
    notes.push("Nothing in this run costs money under the price table, so spend is shown in tokens.");
  if (rows.some((r) => r.unpriced))
    notes.push("Some usage has no price in the table; its cost is left out (see the ledger section).");
  const front = paretoFront(
    rows.map((r) => ({
      spend: spendAxis === "usd" ? (r.unpriced ? Number.NaN : r.costUsd) : r.tokens,
      passAt1: r.passAt1,
    })),
  );
  for (const i of front) (rows[i] as SettingRow).onParetoFront = true;

  const difficulties = [...new Set(rows.flatMap((r) => Object.keys(r.byDifficulty)))].sort();
  const stages = orderStages(rows.flatMap((r) => Object.keys(r.tokensByStage)));
  const oracleOf = new Map((input.oracle ?? []).map((o) => [o.setting, o.passAtN]));
  const budgets = [...new Set(rows.map((r) => r.setting))];
  const methodComparison = budgets.map((setting) => {
    const oracle = oracleOf.get(setting);
    return {
      setting,
      methods: rows
        .filter((r) => r.setting === setting)
        .map((r) => ({ method: r.method, passAt1: r.passAt1 })),
      ...(oracle === undefined ? {} : { oracle }),
    };
  });

  const ledger =
    input.ledger && input.ledger.rows.length > 0 ? ledgerSection(input.ledger, input) : undefined;
  if (!ledger) notes.push("The ledger has no entries for this run: spend comes from the run's results.");

  let forecast: ReportModel["forecast"];
  if (input.forecast && input.runSpend) {
    const run = input.runSpend;
    const cost = priceUsage(run.usage, run.sandboxCpuSeconds, prices, input.priceOptions);
    const tokens = run.usage.reduce((s, u) => s + u.promptTokens + u.completionTokens, 0);
    forecast = {
      forecast: input.forecast,
      checks: compareForecast(input.forecast, {
        tokens,
        costUsd: cost.totalUsd,
        seconds: run.seconds,
        reusedPilot: run.reusedPilot,
      }),
      basis: run.reusedPilot
        ? "actual tokens and cost are the run's results, with the problems it reused from its pilot counted at the pilot's spend; its wall time is compared with the after-pilot forecast"
        : "actual tokens and cost are the run's results, the same basis as the pilot's",
    };
  }

  return {
    runId: settings.runId,
    kind: settings.kind,
    generatedAt: input.generatedAt,
    priceVersion: prices.version,
    spendAxis,
    difficulties,
    stages,
    rows,
    paretoFront: front,
    methodComparison,
    ...(ledger ? { ledger } : {}),
    ...(forecast ? { forecast } : {}),
    ...(input.timeBreakdown ? { timeBreakdown: input.timeBreakdown } : {}),
    notes,
  };
}
