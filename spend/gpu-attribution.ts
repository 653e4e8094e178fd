/**
 * How GPU time on a shared endpoint becomes a run's spend (pure: no I/O, no clock).
 *
 * The endpoint's pods hold their GPUs whether or not anyone generates, so GPU time is metered
 * from the pods (GPU requests × the time each was Running) in fixed slices of time, and each
 * slice is split:
 *   - between the (run, budget setting, stage, endpoint) groups that generated on the model in
 *     the slice, in proportion to their completion tokens; a response's tokens are spread evenly
 *     over the time it ran (its latency before it was received), so a long generation is charged
 *     to the slices it occupied, not to the one it finished in;
 *   - a slice in which nobody generated on the model is charged to a run as stage `idle` only
 *     when that run held the endpoint alone (it has had responses from the model during its
 *     lifetime so far, and no other run has), and only for the part of the slice inside the run's
 *     lifetime. A model the run never asked costs it nothing. Idle
 *     time of an endpoint several runs share is charged to none of them: the meter reports it as
 *     unattributed rather than guess whose it was.
 * Every run's meter applies the same rule to the same ledger, so the shares of one slice add up to
 * at most the slice's GPU time.
 */
import type { LlmActivity } from "../ledger/types";

/** A pod of the endpoint, Running with `gpus` GPUs from `from` until `to` (ms since epoch; open while running). */
export interface GpuInterval {
  pod: string;
  model: string;
  gpus: number;
  from: number;
  to?: number;
}

/** GPU-seconds of `model`'s pods within [from, to) (ms); an open interval runs until `to`. */
export function gpuSecondsIn(
  intervals: readonly GpuInterval[],
  model: string,
  from: number,
  to: number,
): number {
  let total = 0;
  for (const i of intervals) {
    if (i.model !== model || i.gpus <= 0) continue;
    const overlap = Math.min(i.to ?? to, to) - Math.max(i.from, from);
    if (overlap > 0) total += (overlap / 1000) * i.gpus;
  }
  return total;
}

/** Who a share of GPU time goes to. */
export interface GpuShareKey {
  runId: string;
  budgetSetting: string;
  stage: string;
  endpoint: string;
}

export interface GpuShare extends GpuShareKey {
  gpuSeconds: number;
}

/**
 * Completion tokens each group generated within [from, to) (ms): each response's tokens spread
 * evenly over [at − latency, at]; a response without latency counts wholly where it was received.
 */
export function tokensInSlice(
  activity: readonly LlmActivity[],
  from: number,
  to: number,
): Map<string, { key: GpuShareKey; tokens: number }> {
  const groups = new Map<string, { key: GpuShareKey; tokens: number }>();
  for (const a of activity) {
    if (a.completionTokens <= 0) continue;
    const end = Date.parse(a.at);
    const start = end - Math.max(0, a.latencyMs);
    let tokens: number;
    if (end === start) tokens = end >= from && end < to ? a.completionTokens : 0;
    else {
      const overlap = Math.min(end, to) - Math.max(start, from);
      tokens = overlap > 0 ? (a.completionTokens * overlap) / (end - start) : 0;
    }
    if (tokens <= 0) continue;
    const key = { runId: a.runId, budgetSetting: a.budgetSetting, stage: a.stage, endpoint: a.endpoint };
    const id = JSON.stringify([key.runId, key.budgetSetting, key.stage, key.endpoint]);
    const group = groups.get(id);
    if (group) group.tokens += tokens;
    else groups.set(id, { key, tokens });
  }
  return groups;
}

export interface SliceAttribution {
  /** GPU-seconds of the model's pods in the slice. */
  gpuSeconds: number;
  /** The metering run's shares (sorted by stage, budget setting, endpoint). */
  shares: GpuShare[];
  /** Shares of other runs (their own meters record them). */
  othersGpuSeconds: number;
  /** GPU time nobody is charged for: idle time on a shared endpoint, or outside the run's lifetime. */
  unattributedGpuSeconds: number;
}

export interface SliceInput {
  /** The slice [from, to) in ms. */
  from: number;
  to: number;
  gpuSeconds: number;
  /** Every run's responses from the model that may overlap the slice. */
  activity: readonly LlmActivity[];
  run: {
    runId: string;
    /** The run's lifetime [from, to) in ms, `to` being now while it goes on. */
    from: number;
    to: number;
    /** The run has had responses from the model during its lifetime so far, and no other run has. */
    soleUser: boolean;
    /** Labels of idle time: the run's budget setting and its endpoint's name for the model. */
    idle: { budgetSetting: string; endpoint: string };
  };
}

const IDLE_STAGE = "idle";

function compareShares(a: GpuShare, b: GpuShare): number {
  return (
    a.stage.localeCompare(b.stage) ||
    a.budgetSetting.localeCompare(b.budgetSetting) ||
    a.endpoint.localeCompare(b.endpoint)
  );
}

/** The metering run's part of one slice of a model's GPU time, by the rule above. */
export function attributeSlice(input: SliceInput): SliceAttribution {
  const { from, to, gpuSeconds, run } = input;
  const result: SliceAttribution = { gpuSeconds, shares: [], othersGpuSeconds: 0, unattributedGpuSeconds: 0 };
  if (gpuSeconds <= 0 || to <= from) return result;
  const groups = [...tokensInSlice(input.activity, from, to).values()];
  const total = groups.reduce((s, g) => s + g.tokens, 0);
  if (total > 0) {
    for (const g of groups) {
      const share = (gpuSeconds * g.tokens) / total;
      if (g.key.runId === run.runId) result.shares.push({ ...g.key, gpuSeconds: share });
      else result.othersGpuSeconds += share;
    }
    result.shares.sort(compareShares);
    return result;
  }
  const inLifetime = Math.max(0, Math.min(to, run.to) - Math.max(from, run.from)) / (to - from);
  const idle = run.soleUser ? gpuSeconds * inLifetime : 0;
  if (idle > 0) result.shares.push({ runId: run.runId, ...run.idle, stage: IDLE_STAGE, gpuSeconds: idle });
  result.unattributedGpuSeconds = gpuSeconds - idle;
  return result;
}

/** Slice boundaries (ms) covering [from, to): aligned to multiples of `sliceMs`, so every meter cuts alike. */
export function sliceBounds(from: number, to: number, sliceMs: number): [number, number][] {
  if (!(sliceMs > 0)) throw new RangeError(`slice length must be positive (got ${sliceMs})`);
  const slices: [number, number][] = [];
  for (let start = Math.floor(from / sliceMs) * sliceMs; start < to; start += sliceMs)
    slices.push([start, start + sliceMs]);
  return slices;
}
