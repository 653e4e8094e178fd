/**
 * The pilot of a forecast (pure): which problems it runs, its configuration, and each of its
 * problems' spend from the run results.
 */
import type { RunConfig } from "../config/run-config";
import type { PriceOptions, PriceTable } from "../ledger/prices";
import type { ProblemOutcome } from "../method/pipeline-records";
import { SeededRandom } from "../method/seeded-random";
import { priceUsage, usageOfStages } from "../report/price-usage";
import type { PilotProblemSpend } from "./forecast";

export const DEFAULT_PILOT_PROBLEMS = 10;

/**
 * k problem ids drawn uniformly without replacement (seeded, so a repeated estimate resumes the same
 * pilot), kept in dataset order.
 */
export function samplePilotIds(ids: readonly string[], k: number, seed: number): string[] {
  const chosen = new Set(new SeededRandom(seed, "pilot", k, ids.length).sample(ids, k));
  return ids.filter((id) => chosen.has(id));
}

/** The configuration of the pilot: the same run on the chosen problems only. */
export function pilotConfig(config: RunConfig, ids: readonly string[]): RunConfig {
  const { limit: _limit, ...dataset } = config.dataset;
  return {
    ...config,
    name: `${config.name}-pilot`,
    // The ids were drawn from the run's selection, which the offset already applied.
    dataset: { ...dataset, ids: [...ids], offset: 0 },
  };
}

/**
 * Each problem's tokens (from its outcome's per-stage usage) and cost (priced through the roles of
 * the configuration; plus its sandbox CPU time when the ledger has it).
 */
export function pilotSpend(
  outcomes: readonly ProblemOutcome[],
  config: RunConfig,
  prices: PriceTable,
  options: { sandboxCpuSeconds?: ReadonlyMap<string, number>; priceOptions?: PriceOptions } = {},
): { problems: PilotProblemSpend[]; unpriced: string[] } {
  const unpriced = new Set<string>();
  const problems = outcomes.map((o) => {
    const usage = usageOfStages(o.usage, config.roles);
    const cost = priceUsage(
      usage,
      options.sandboxCpuSeconds?.get(o.problemId) ?? 0,
      prices,
      options.priceOptions,
    );
    for (const u of cost.unpriced) unpriced.add(`${u.model} @ ${u.endpoint}: ${u.reason}`);
    return {
      problemId: o.problemId,
      promptTokens: usage.reduce((s, u) => s + u.promptTokens, 0),
      completionTokens: usage.reduce((s, u) => s + u.completionTokens, 0),
      costUsd: cost.totalUsd,
      ...(o.adaptive
        ? { samplesDrawn: o.adaptive.samplesDrawn, samplesBudget: o.adaptive.samplesBudget }
        : {}),
    };
  });
  return { problems, unpriced: [...unpriced].sort() };
}
