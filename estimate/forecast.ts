/**
 * The cost forecast's arithmetic (pure). A pilot runs k of the run's M problems, drawn at random
 * without replacement; each problem's spend is one observation. The run's total is estimated as
 * M × the pilot mean, with a Student-t interval on k − 1 degrees of freedom whose standard error
 * carries the finite-population correction (1 − k/M): the pilot's problems are part of the run, so
 * the closer k is to M the less is unknown. The lower bound is never below what the pilot itself
 * spent, since those problems are in the run. Method and caveats: docs/report.md.
 */
import { studentTQuantile } from "./student-t";

export interface IntervalEstimate {
  estimate: number;
  low: number;
  high: number;
  /** The standard error of the estimate (0 when the pilot is the whole run). */
  standardError: number;
}

/**
 * The population total of M values from a simple random sample of k of them, with a two-sided
 * interval at `level` (e.g. 0.9). With one observation there is no spread to measure: the
 * upper bound is then unbounded.
 */
export function populationTotal(
  sample: readonly number[],
  population: number,
  level: number,
): IntervalEstimate {
  const k = sample.length;
  if (k === 0) throw new RangeError("a forecast needs at least one pilot problem");
  if (!(population >= k)) throw new RangeError(`the run (${population}) is smaller than the pilot (${k})`);
  if (!(level > 0 && level < 1)) throw new RangeError(`interval level must be in (0, 1), got ${level}`);
  const sum = sample.reduce((s, x) => s + x, 0);
  const mean = sum / k;
  const estimate = population * mean;
  if (k === population) return { estimate, low: estimate, high: estimate, standardError: 0 };
  if (k === 1) return { estimate, low: sum, high: Number.POSITIVE_INFINITY, standardError: Number.NaN };
  const variance = sample.reduce((s, x) => s + (x - mean) ** 2, 0) / (k - 1);
  const standardError = population * Math.sqrt((variance / k) * (1 - k / population));
  const t = studentTQuantile((1 + level) / 2, k - 1);
  return {
    estimate,
    low: Math.max(sum, estimate - t * standardError),
    high: estimate + t * standardError,
    standardError,
  };
}

/** One pilot problem's spend. */
export interface PilotProblemSpend {
  problemId: string;
  promptTokens: number;
  completionTokens: number;
  /** Its cost under the price table (0 for a free endpoint). */
  costUsd: number;
}

export interface ForecastInput {
  /** The id of the run being forecast (the full configuration's run id). */
  runId: string;
  configName: string;
  /** M: the problems of the full run. */
  problems: number;
  /** Problems the run works on at once (the configuration's `window`). */
  window: number;
  pilot: {
    /** `pilot`: a sample run by `sstar estimate`; `run`: an earlier run (`--from-run`). */
    source: "pilot" | "run";
    runId: string;
    problems: readonly PilotProblemSpend[];
    /** The pilot's wall time, when known. */
    seconds?: number;
  };
  level: number;
  priceVersion: string;
  /** Usage the price table could not price (not in the cost). */
  unpriced: string[];
  createdAt: string;
}

/** The forecast as `sstar estimate --json` prints it and `forecast.json` keeps it. */
export interface Forecast {
  run_id: string;
  config: string;
  problems: number;
  pilot_problems: number;
  pilot_run_id: string;
  source: "pilot" | "run";
  interval: number;
  method: string;
  tokens: { total: number; prompt: number; completion: number; low: number; high: number };
  cost_usd: { estimate: number; low: number; high: number };
  /** Null when the pilot's wall time is unknown. */
  seconds: { estimate: number; low: number; high: number } | null;
  pilot: { seconds: number | null; tokens_per_problem_mean: number; tokens_per_problem_sd: number };
  price_version: string;
  unpriced: string[];
  created_at: string;
}

export const FORECAST_METHOD =
  "M x pilot mean; Student-t interval on k-1 df, standard error with finite-population correction (1-k/M); low >= pilot's own spend";

/**
 * Waves of work: a run keeps `window` problems in flight, so k problems take about k / min(window, k)
 * problem-durations. Time scales with waves, not problems, when the pilot is smaller than the window.
 */
export function waves(problems: number, window: number): number {
  return problems / Math.max(1, Math.min(window, problems));
}

const roundTo = (x: number, digits: number) => {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/** The forecast of a run's tokens, cost and wall time from its pilot's per-problem spend. */
export function forecastRun(input: ForecastInput): Forecast {
  const { problems, level } = input;
  const pilot = input.pilot.problems;
  const totals = pilot.map((p) => p.promptTokens + p.completionTokens);
  const tokens = populationTotal(totals, problems, level);
  const cost = populationTotal(
    pilot.map((p) => p.costUsd),
    problems,
    level,
  );
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  const tokenMean = mean(totals);
  const sd =
    totals.length > 1
      ? Math.sqrt(totals.reduce((s, x) => s + (x - tokenMean) ** 2, 0) / (totals.length - 1))
      : 0;
  let seconds: Forecast["seconds"] = null;
  if (input.pilot.seconds !== undefined && input.pilot.seconds > 0) {
    const estimate =
      (input.pilot.seconds * waves(problems, input.window)) / waves(pilot.length, input.window);
    // Work per problem varies as its tokens do; time's interval borrows the tokens' relative one.
    const relative = (x: number) => (tokens.estimate > 0 ? x / tokens.estimate : 1);
    seconds = {
      estimate: roundTo(estimate, 1),
      low: roundTo(estimate * relative(tokens.low), 1),
      high: roundTo(estimate * relative(tokens.high), 1),
    };
  }
  return {
    run_id: input.runId,
    config: input.configName,
    problems,
    pilot_problems: pilot.length,
    pilot_run_id: input.pilot.runId,
    source: input.pilot.source,
    interval: level,
    method: FORECAST_METHOD,
    tokens: {
      total: Math.round(tokens.estimate),
      prompt: Math.round(problems * mean(pilot.map((p) => p.promptTokens))),
      completion: Math.round(problems * mean(pilot.map((p) => p.completionTokens))),
      low: Math.floor(tokens.low),
      high: Number.isFinite(tokens.high) ? Math.ceil(tokens.high) : tokens.high,
    },
    cost_usd: {
      estimate: roundTo(cost.estimate, 6),
      low: roundTo(cost.low, 6),
      high: roundTo(cost.high, 6),
    },
    seconds,
    pilot: {
      seconds: input.pilot.seconds ?? null,
      tokens_per_problem_mean: roundTo(tokenMean, 1),
      tokens_per_problem_sd: roundTo(sd, 1),
    },
    price_version: input.priceVersion,
    unpriced: input.unpriced,
    created_at: input.createdAt,
  };
}

/** One line of the forecast-versus-actual comparison. */
export interface ForecastCheck {
  metric: "tokens" | "cost_usd" | "seconds";
  estimate: number;
  low: number;
  high: number;
  actual: number | null;
  /** Whether the actual value lies inside [low, high]; null when the actual is unknown. */
  inside: boolean | null;
  /** (actual − estimate) / estimate; null when unknown or the estimate is 0. */
  relativeError: number | null;
}

/** The forecast next to what the run actually spent. */
export function compareForecast(
  forecast: Forecast,
  actual: { tokens: number; costUsd: number; seconds: number | null },
): ForecastCheck[] {
  const check = (
    metric: ForecastCheck["metric"],
    range: { estimate: number; low: number; high: number },
    value: number | null,
  ): ForecastCheck => ({
    metric,
    ...range,
    actual: value,
    inside: value === null ? null : value >= range.low && value <= range.high,
    relativeError: value === null || range.estimate === 0 ? null : (value - range.estimate) / range.estimate,
  });
  const checks = [
    check(
      "tokens",
      { estimate: forecast.tokens.total, low: forecast.tokens.low, high: forecast.tokens.high },
      actual.tokens,
    ),
    check("cost_usd", forecast.cost_usd, actual.costUsd),
  ];
  if (forecast.seconds) checks.push(check("seconds", forecast.seconds, actual.seconds));
  return checks;
}
