import {
  addStageUsage,
  mergeUsage,
  NO_USAGE,
  type Stage,
  type StageUsage,
  type UsageByStage,
} from "./pipeline-records";
import { type BudgetPoint, budgetPoints, payingPoint } from "./sweep-grid";

/** The LLM spend of one problem of a sweep's run, split so that it can be attributed to settings. */
export interface SweepProblemSpend {
  /**
   * The part of the batched generation request that no single sample owns: with `n` in one
   * request, its prompt tokens and the request itself. Zero when every sample had its own request.
   */
  generationShared: StageUsage;
  /** Each sample's round: its own tokens (its share of a batched completion, its refinement call, its retries). */
  rounds: { sample: number; round: number; stage: Stage; usage: StageUsage }[];
  /** Each setting's selection calls: `paid` now, `standalone` counting the calls the response cache answered at their price when paid. */
  selections: { n: number; rounds: number; method: string; paid: UsageByStage; standalone: UsageByStage }[];
}

export interface SettingSpendByStage extends BudgetPoint {
  method: string;
  /** Attributed in the sweep: each shared sample round to the smallest setting using it. The column sums to the sweep's spend. */
  paid: UsageByStage;
  /** What the setting's own samples, rounds and selection calls cost: its spend if run alone. */
  standalone: UsageByStage;
}

const add = (into: UsageByStage, stage: Stage, usage: StageUsage): UsageByStage =>
  mergeUsage(into, { [stage]: usage });

/**
 * Paid and standalone spend of every (N, R, method) setting, summed over problems, in the grid's
 * order (N, then R, then method). The generation batch's shared part and every sample round are
 * paid by the smallest setting that uses them, with the grid's first method; selection calls by
 * their own setting.
 */
export function settingSpends(
  grid: { n: number[]; rounds: number[]; methods: string[] },
  problems: SweepProblemSpend[],
): SettingSpendByStage[] {
  const first = grid.methods[0] as string;
  const settings = budgetPoints(grid).flatMap((point) =>
    grid.methods.map((method) => ({ ...point, method, paid: {} as UsageByStage, standalone: {} })),
  );
  const find = (n: number, rounds: number, method: string) =>
    settings.find((s) => s.n === n && s.rounds === rounds && s.method === method);
  for (const problem of problems) {
    const shared = problem.generationShared;
    const hasShared = shared.requests + shared.prompt + shared.completion > 0;
    if (hasShared) {
      const smallest = settings[0];
      if (smallest) smallest.paid = add(smallest.paid, "generate", shared);
    }
    for (const setting of settings) {
      if (hasShared) setting.standalone = add(setting.standalone, "generate", shared);
      for (const r of problem.rounds) {
        if (r.sample < setting.n && r.round < setting.rounds)
          setting.standalone = add(setting.standalone, r.stage, r.usage);
      }
    }
    for (const r of problem.rounds) {
      const point = payingPoint(grid, r.sample, r.round);
      const payer = point && find(point.n, point.rounds, first);
      if (payer) payer.paid = add(payer.paid, r.stage, r.usage);
    }
    for (const s of problem.selections) {
      const setting = find(s.n, s.rounds, s.method);
      if (!setting) continue;
      setting.paid = mergeUsage(setting.paid, s.paid);
      setting.standalone = mergeUsage(setting.standalone, s.standalone);
    }
  }
  return settings;
}

/**
 * Splits one generation call's usage among its samples. With `n` in one request the prompt and
 * the request are shared; completion (and reasoning) tokens are split in proportion to each
 * answer's length, since OpenAI-compatible endpoints report usage per request, not per choice.
 * Integer shares are exact: they sum to the call's totals (largest remainders get the rest).
 */
export function splitBatchUsage(
  usage: StageUsage,
  answerLengths: number[],
  oneRequestForAll: boolean,
): { shared: StageUsage; perSample: StageUsage[] } {
  const count = answerLengths.length;
  const weights = answerLengths.reduce((a, b) => a + b, 0) > 0 ? answerLengths : answerLengths.map(() => 1);
  const completion = apportion(usage.completion, weights);
  const reasoning = apportion(usage.reasoning, weights);
  if (oneRequestForAll) {
    return {
      shared: { ...NO_USAGE, requests: usage.requests, prompt: usage.prompt },
      perSample: answerLengths.map((_, i) => ({
        ...NO_USAGE,
        completion: completion[i] ?? 0,
        reasoning: reasoning[i] ?? 0,
      })),
    };
  }
  const even = answerLengths.map(() => 1);
  const requests = apportion(usage.requests, even);
  const prompt = apportion(usage.prompt, even);
  return {
    shared: NO_USAGE,
    perSample: Array.from({ length: count }, (_, i) => ({
      requests: requests[i] ?? 0,
      prompt: prompt[i] ?? 0,
      completion: completion[i] ?? 0,
      reasoning: reasoning[i] ?? 0,
    })),
  };
}

/** `total` split in proportion to `weights` as integers summing to `total` (largest remainder). */
export function apportion(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (weights.length === 0) return [];
  if (sum <= 0)
    return apportion(
      total,
      weights.map(() => 1),
    );
  const exact = weights.map((w) => (total * w) / sum);
  const shares = exact.map(Math.floor);
  let left = total - shares.reduce((a, b) => a + b, 0);
  const order = exact
    .map((x, i) => ({ i, rest: x - Math.floor(x) }))
    .sort((a, b) => b.rest - a.rest || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    shares[i] = (shares[i] ?? 0) + 1;
    left--;
  }
  return shares;
}

/** The sum of a usage over its stages. */
export function totalUsage(usage: UsageByStage): StageUsage {
  return Object.values(usage).reduce((sum, u) => addStageUsage(sum, u ?? NO_USAGE), NO_USAGE);
}
