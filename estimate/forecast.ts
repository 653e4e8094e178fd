/**
 * The cost forecast's arithmetic (pure). A pilot runs k of the run's M problems, drawn at random
 * without replacement; each problem's spend is one observation. The run's total is estimated as
 * M × the pilot mean. Its interval is Student's t on k − 1 degrees of freedom, corrected for skew
 * by Hall's (1992) cubic transformation, with the finite-population correction (1 − k/M) in the
 * standard error. Why the skew correction: per-problem spend is right-skewed (a problem whose
 * samples disagree pays for a tournament, most do not), and a plain t-interval then misses high
 * far more often than its level says. The lower bound is never below what the pilot itself spent,
 * since those problems are in the run. Method, coverage and caveats: docs/report.md.
 */
import { studentTQuantile } from "./student-t";

export interface IntervalEstimate {
  estimate: number;
  low: number;
  high: number;
  /** The standard error of the estimate (0 when the pilot is the whole run). */
  standardError: number;
  /** The sample's skewness γ̂ = m₃ / s³ that the interval corrects for. */
  skewness: number;
}

/**
 * The inverse of Hall's transformation g(t) = t + a t² + a² t³ / 3 + b, with a = γ̂ / (3√k) and
 * b = γ̂ / (6√k), for the studentized mean t = √k (x̄ − μ) / s. g is increasing for every γ̂, so
 * the interval's bounds are x̄ − g⁻¹(±q) s / √k for the t quantile q.
 */
export function hallInverse(y: number, skewness: number, k: number): number {
  const a = skewness / (3 * Math.sqrt(k));
  const b = skewness / (6 * Math.sqrt(k));
  if (Math.abs(a) < 1e-12) return y - b;
  return (Math.cbrt(1 + 3 * a * (y - b)) - 1) / a;
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
  if (k === population) return { estimate, low: estimate, high: estimate, standardError: 0, skewness: 0 };
  if (k === 1)
    return { estimate, low: sum, high: Number.POSITIVE_INFINITY, standardError: Number.NaN, skewness: 0 };
  const variance = sample.reduce((s, x) => s + (x - mean) ** 2, 0) / (k - 1);
  if (variance === 0)
    return { estimate, low: Math.max(sum, estimate), high: estimate, standardError: 0, skewness: 0 };
  const sd = Math.sqrt(variance);
  const skewness = sample.reduce((s, x) => s + (x - mean) ** 3, 0) / k / sd ** 3;
  // The standard error of the mean, with the finite-population correction.
  const meanError = (sd / Math.sqrt(k)) * Math.sqrt(1 - k / population);
  const q = studentTQuantile((1 + level) / 2, k - 1);
  return {
    estimate,
    low: Math.max(sum, population * (mean - hallInverse(q, skewness, k) * meanError)),
    high: population * (mean - hallInverse(-q, skewness, k) * meanError),
    standardError: population * meanError,
    skewness,
  };
}

/** One pilot problem's spend. */
export interface PilotProblemSpend {
  problemId: string;
  promptTokens: number;
  completionTokens: number;
  /** Its cost under the price table (0 for a free endpoint). */
  costUsd: number;
  /** Under an adaptive budget: the samples it drew, of at most `samplesBudget`. */
  samplesDrawn?: number;
  samplesBudget?: number;
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
  /**
   * What is left to pay when the run follows its pilot in the same data folder: the run then reuses
   * the pilot's completions (the response cache), so its k problems cost nothing again.
   */
  after_pilot: {
    tokens: { total: number; low: number; high: number };
    cost_usd: { estimate: number; low: number; high: number };
    seconds: { estimate: number; low: number; high: number } | null;
  };
  pilot: { seconds: number | null; tokens_per_problem_mean: number; tokens_per_problem_sd: number };
  /**
   * Under an adaptive budget (the pilot ran with it): the samples the run will draw, with the same
   * interval method, against the fixed budget's M x N. Tokens and cost above already follow the
   * policy, since every pilot problem paid for what it drew.
   */
  adaptive?: {
    samples_budget: number;
    samples_drawn: { estimate: number; low: number; high: number };
    samples_saved_fraction: number;
  };
  price_version: string;
  unpriced: string[];
  created_at: string;
}

export const FORECAST_METHOD =
  "M x pilot mean; Student-t interval on k-1 df with Hall's skewness correction and the finite-population correction (1-k/M); low >= the pilot's own spend";

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
  const pilotTokens = totals.reduce((s, x) => s + x, 0);
  const pilotCost = pilot.reduce((s, p) => s + p.costUsd, 0);
  // The unsampled problems' total has the same estimation error as the whole run's total.
  const remainingTokens = {
    estimate: tokens.estimate - pilotTokens,
    low: tokens.low - pilotTokens,
    high: tokens.high - pilotTokens,
  };
  const secondsFor = (count: number, range: { estimate: number; low: number; high: number }) => {
    const pilotSeconds = input.pilot.seconds;
    if (pilotSeconds === undefined || !(pilotSeconds > 0)) return null;
    if (count === 0) return { estimate: 0, low: 0, high: 0 };
    const estimate = (pilotSeconds * waves(count, input.window)) / waves(pilot.length, input.window);
    // Work per problem varies as its tokens do; time's interval borrows the tokens' relative one.
    const relative = (x: number) => (range.estimate > 0 ? x / range.estimate : 1);
    return {
      estimate: roundTo(estimate, 1),
      low: roundTo(estimate * relative(range.low), 1),
      high: roundTo(estimate * relative(range.high), 1),
    };
  };
  const ceil = (x: number) => (Number.isFinite(x) ? Math.ceil(x) : x);
  const drawn = pilot.map((p) => p.samplesDrawn);
  const budgetOf = pilot.map((p) => p.samplesBudget);
  let adaptive: Forecast["adaptive"];
  if (pilot.length > 0 && drawn.every((d) => d !== undefined) && budgetOf.every((b) => b !== undefined)) {
    const samples = populationTotal(drawn as number[], problems, level);
    const samplesBudget = Math.round(problems * mean(budgetOf as number[]));
    adaptive = {
      samples_budget: samplesBudget,
      samples_drawn: {
        estimate: Math.round(samples.estimate),
        low: Math.floor(samples.low),
        high: Math.min(samplesBudget, ceil(samples.high)),
      },
      samples_saved_fraction: roundTo(samplesBudget > 0 ? 1 - samples.estimate / samplesBudget : 0, 3),
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
      high: ceil(tokens.high),
    },
    cost_usd: {
      estimate: roundTo(cost.estimate, 6),
      low: roundTo(cost.low, 6),
      high: roundTo(cost.high, 6),
    },
    seconds: secondsFor(problems, tokens),
    after_pilot: {
      tokens: {
        total: Math.round(remainingTokens.estimate),
        low: Math.floor(remainingTokens.low),
        high: ceil(remainingTokens.high),
      },
      cost_usd: {
        estimate: roundTo(cost.estimate - pilotCost, 6),
        low: roundTo(cost.low - pilotCost, 6),
        high: roundTo(cost.high - pilotCost, 6),
      },
      seconds: secondsFor(problems - pilot.length, remainingTokens),
    },
    pilot: {
      seconds: input.pilot.seconds ?? null,
      tokens_per_problem_mean: roundTo(tokenMean, 1),
      tokens_per_problem_sd: roundTo(sd, 1),
    },
    ...(adaptive ? { adaptive } : {}),
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

/**
 * The forecast next to what the run actually spent. Tokens and cost are the whole run's (with the
 * pilot's spend standing in for problems the run reused from it); wall time is compared with the
 * after-pilot forecast when the run reused the pilot, since it then did less work.
 */
export function compareForecast(
  forecast: Forecast,
  actual: { tokens: number; costUsd: number; seconds: number | null; reusedPilot: boolean },
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
  const seconds = actual.reusedPilot ? forecast.after_pilot.seconds : forecast.seconds;
  if (seconds) checks.push(check("seconds", seconds, actual.seconds));
  return checks;
}
