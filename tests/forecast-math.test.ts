import { describe, expect, it } from "vitest";
import { loadRunConfig } from "../config/load-run-config";
import { compareForecast, forecastRun, hallInverse, populationTotal, waves } from "../estimate/forecast";
import { pilotConfig, pilotSpend, samplePilotIds } from "../estimate/pilot";
import { studentTCdf, studentTQuantile } from "../estimate/student-t";
import { loadPriceFile, selectPriceTable } from "../ledger/prices";
import type { ProblemOutcome } from "../method/pipeline-records";
import { SeededRandom } from "../method/seeded-random";

describe("Student's t", () => {
  it("matches tabulated quantiles", () => {
    expect(studentTQuantile(0.95, 9)).toBeCloseTo(1.833113, 5);
    expect(studentTQuantile(0.975, 9)).toBeCloseTo(2.262157, 5);
    expect(studentTQuantile(0.95, 1)).toBeCloseTo(6.313752, 4);
    expect(studentTQuantile(0.975, 30)).toBeCloseTo(2.042272, 5);
    expect(studentTQuantile(0.05, 9)).toBeCloseTo(-1.833113, 5);
    expect(studentTCdf(0, 5)).toBeCloseTo(0.5, 12);
    expect(studentTCdf(2.570582, 5)).toBeCloseTo(0.975, 5);
  });
});

describe("populationTotal", () => {
  it("is exact when the pilot is the whole population", () => {
    expect(populationTotal([1, 2, 3], 3, 0.9)).toMatchObject({
      estimate: 6,
      low: 6,
      high: 6,
      standardError: 0,
    });
  });

  it("is the plain t-interval with the finite-population correction for a symmetric sample", () => {
    const sample = [8, 9, 10, 11, 12];
    const e = populationTotal(sample, 100, 0.9);
    const se = 100 * Math.sqrt((2.5 / 5) * (1 - 5 / 100));
    expect(e.skewness).toBeCloseTo(0, 12);
    expect(e.estimate).toBe(1000);
    expect(e.standardError).toBeCloseTo(se, 9);
    const t = studentTQuantile(0.95, 4);
    expect(e.low).toBeCloseTo(1000 - t * se, 6);
    expect(e.high).toBeCloseTo(1000 + t * se, 6);
  });

  it("leans the interval upward for a right-skewed sample", () => {
    const e = populationTotal([1, 1, 1, 1, 1, 1, 1, 1, 2, 10], 50, 0.9);
    expect(e.skewness).toBeGreaterThan(1);
    expect(e.high - e.estimate).toBeGreaterThan(e.estimate - e.low);
  });

  it("never puts the lower bound below what the pilot itself spent", () => {
    const e = populationTotal([1, 1, 1, 100], 5, 0.9);
    expect(e.low).toBeGreaterThanOrEqual(103);
  });

  it("has no upper bound from one observation, and none of a degenerate sample", () => {
    expect(populationTotal([5], 10, 0.9).high).toBe(Number.POSITIVE_INFINITY);
    expect(populationTotal([5, 5, 5], 10, 0.9)).toMatchObject({ estimate: 50, high: 50 });
  });

  it("inverts Hall's transformation", () => {
    for (const g of [-1.5, 0, 0.7, 2.5]) {
      for (const t of [-2, -0.5, 0, 1, 3]) {
        const a = g / (3 * Math.sqrt(10));
        const forward = t + a * t * t + (a * a * t ** 3) / 3 + g / (6 * Math.sqrt(10));
        expect(hallInverse(forward, g, 10)).toBeCloseTo(t, 9);
      }
    }
  });

  it("covers the true total about as often as it says on skewed populations", () => {
    const rng = new SeededRandom("coverage-population");
    const normal = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
    const population = Array.from({ length: 50 }, () => 1000 * Math.exp(0.6 * normal()));
    const total = population.reduce((s, x) => s + x, 0);
    let inside = 0;
    const trials = 2000;
    for (let i = 0; i < trials; i++) {
      const e = populationTotal(new SeededRandom("draw", i).sample(population, 10), 50, 0.9);
      if (total >= e.low && total <= e.high) inside++;
    }
    expect(inside / trials).toBeGreaterThan(0.85);
    expect(inside / trials).toBeLessThan(0.96);
  });
});

describe("forecastRun", () => {
  const problems = [1000, 1200, 900, 3000, 1100].map((t, i) => ({
    problemId: `p${i}`,
    promptTokens: t / 2,
    completionTokens: t / 2,
    costUsd: t / 1e6,
  }));
  const forecast = forecastRun({
    runId: "run-1",
    configName: "c",
    problems: 50,
    window: 6,
    pilot: { source: "pilot", runId: "pilot-1", problems, seconds: 20 },
    level: 0.9,
    priceVersion: "v",
    unpriced: [],
    createdAt: "2026-01-01T00:00:00.000Z",
  });

  it("predicts tokens and cost as M times the pilot mean, with their intervals", () => {
    expect(forecast.problems).toBe(50);
    expect(forecast.pilot_problems).toBe(5);
    expect(forecast.tokens.total).toBe(72_000);
    expect(forecast.tokens.prompt + forecast.tokens.completion).toBe(72_000);
    expect(forecast.tokens.low).toBeLessThan(72_000);
    expect(forecast.tokens.high).toBeGreaterThan(72_000);
    expect(forecast.cost_usd.estimate).toBeCloseTo(0.072, 9);
    expect(forecast.interval).toBe(0.9);
  });

  it("scales wall time by waves of the window", () => {
    expect(waves(5, 6)).toBe(1);
    expect(waves(50, 6)).toBeCloseTo(50 / 6, 9);
    expect(forecast.seconds?.estimate).toBeCloseTo((20 * 50) / 6, 1);
  });

  it("subtracts the pilot's own spend for what is left to pay after it", () => {
    expect(forecast.after_pilot.tokens.total).toBe(72_000 - 7200);
    expect(forecast.after_pilot.tokens.high).toBe(forecast.tokens.high - 7200);
    expect(forecast.after_pilot.seconds?.estimate).toBeCloseTo((20 * 45) / 6, 1);
  });

  it("compares with the actual run", () => {
    const checks = compareForecast(forecast, { tokens: 70_000, costUsd: 1, seconds: 100, reusedPilot: true });
    expect(checks.map((c) => c.metric)).toEqual(["tokens", "cost_usd", "seconds"]);
    expect(checks[0]).toMatchObject({ actual: 70_000, inside: true });
    expect(checks[0]?.relativeError).toBeCloseTo(-2000 / 72_000, 9);
    expect(checks[1]?.inside).toBe(false);
    expect(checks[2]?.estimate).toBe(forecast.after_pilot.seconds?.estimate);
  });

  it("adds no adaptive block for a fixed-budget pilot", () => {
    expect(forecast.adaptive).toBeUndefined();
  });

  it("forecasts the samples an adaptive budget draws from its pilot, never above M x N", () => {
    const drawn = [4, 4, 8, 16, 4];
    const adaptive = forecastRun({
      runId: "run-1",
      configName: "c",
      problems: 50,
      window: 6,
      pilot: {
        source: "pilot",
        runId: "pilot-1",
        problems: problems.map((p, i) => ({ ...p, samplesDrawn: drawn[i], samplesBudget: 16 })),
      },
      level: 0.9,
      priceVersion: "v",
      unpriced: [],
      createdAt: "2026-01-01T00:00:00.000Z",
    });
    expect(adaptive.adaptive?.samples_budget).toBe(800);
    expect(adaptive.adaptive?.samples_drawn.estimate).toBe(360);
    expect(adaptive.adaptive?.samples_drawn.low).toBeGreaterThanOrEqual(36);
    expect(adaptive.adaptive?.samples_drawn.high).toBeLessThanOrEqual(800);
    expect(adaptive.adaptive?.samples_saved_fraction).toBeCloseTo(0.55, 3);
    // Tokens follow what the pilot paid, as for a fixed budget.
    expect(adaptive.tokens.total).toBe(forecast.tokens.total);
  });
});

describe("the pilot", () => {
  const ids = Array.from({ length: 50 }, (_, i) => `q${String(i).padStart(2, "0")}`);

  it("draws k distinct problems, seeded, kept in dataset order", () => {
    const a = samplePilotIds(ids, 10, 42);
    expect(a).toHaveLength(10);
    expect(new Set(a).size).toBe(10);
    expect([...a].sort()).toEqual(a);
    expect(samplePilotIds(ids, 10, 42)).toEqual(a);
    expect(samplePilotIds(ids, 10, 43)).not.toEqual(a);
  });

  it("runs the same configuration on the chosen problems only", () => {
    const config = loadRunConfig("demo", { limit: 8 });
    const pilot = pilotConfig({ ...config, dataset: { ...config.dataset, offset: 3 } }, ["a", "b"]);
    expect(pilot.dataset).toMatchObject({ ids: ["a", "b"], offset: 0 });
    expect(pilot.dataset.limit).toBeUndefined();
    expect(pilot.budget).toEqual(config.budget);
    expect(pilot.selection).toEqual(config.selection);
  });

  it("prices each problem's stages through the roles' models", () => {
    const config = loadRunConfig("sstar-qwen2.5-coder-7b");
    const table = selectPriceTable(loadPriceFile(), "2025-03-01");
    const outcome = {
      problemId: "p",
      usage: {
        generate: { requests: 1, prompt: 1000, completion: 1_500_000, reasoning: 0 },
        judge: { requests: 2, prompt: 1_000_000, completion: 0, reasoning: 0 },
      },
    } as unknown as ProblemOutcome;
    const { problems, unpriced } = pilotSpend([outcome], config, table);
    expect(unpriced).toEqual([]);
    expect(problems[0]).toMatchObject({
      problemId: "p",
      promptTokens: 1_001_000,
      completionTokens: 1_500_000,
    });
    // GPT-4o-mini judges (1M input tokens at $0.15); the generator is Qwen on one GPU at $2/h and 1500 tok/s.
    expect(problems[0]?.costUsd).toBeCloseTo(0.15 + (1_500_000 / 1500 / 3600) * 2, 9);
  });
});
