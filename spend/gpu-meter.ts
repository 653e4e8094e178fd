import type { SpendLedger } from "../ledger/types";
import { attributeSlice, type GpuInterval, gpuSecondsIn, sliceBounds } from "./gpu-attribution";

export interface GpuMeterOptions {
  ledger: SpendLedger;
  runId: string;
  /** Labels of idle time when the run has no response from the model yet to take them from. */
  idle: { budgetSetting: string; endpoint: string };
  /** The endpoint pods' Running intervals, as watched. */
  occupancy: { intervals(): GpuInterval[]; models(): string[] };
  /** When the run began (ms). */
  runStart: number;
  /** Length of a metered slice (default 30 s). */
  sliceMs?: number;
  /**
   * How long after a slice ends it is metered (default 2 min): responses received up to then
   * count in its split; one that ran in it but was received later does not.
   */
  lagMs?: number;
  now?: () => number;
}

export interface GpuMeterTotals {
  /** GPU-seconds of the models' pods over the slices metered. */
  gpuSeconds: number;
  /** What this run was charged (idle included). */
  chargedGpuSeconds: number;
  idleGpuSeconds: number;
  othersGpuSeconds: number;
  unattributedGpuSeconds: number;
  slices: number;
}

/**
 * Meters a run's GPU time slice by slice (the rule is spend/gpu-attribution.ts) and writes its
 * shares to the ledger as GPU entries. Entry ids name the run, model, slice and group, so a
 * meter restarted with the run (a relaunched launcher) writes nothing twice.
 */
export class GpuMeter {
  private readonly sliceMs: number;
  private readonly lagMs: number;
  private readonly now: () => number;
  /** The end of the last slice metered. */
  private meteredUntil: number;
  /** The runs seen on each model since the run began (this one too), and how far the ledger was read for them. */
  private readonly users = new Map<string, { runs: Set<string>; until: number }>();
  private readonly lastEndpoint = new Map<string, string>();
  readonly totals: GpuMeterTotals = {
    gpuSeconds: 0,
    chargedGpuSeconds: 0,
    idleGpuSeconds: 0,
    othersGpuSeconds: 0,
    unattributedGpuSeconds: 0,
    slices: 0,
  };

  constructor(private readonly options: GpuMeterOptions) {
    this.sliceMs = options.sliceMs ?? 30_000;
    this.lagMs = options.lagMs ?? 120_000;
    this.now = options.now ?? Date.now;
    this.meteredUntil = options.runStart;
  }

  /** Meters the slices that ended at least the lag ago. */
  async meterSettled(): Promise<void> {
    const settled = this.now() - this.lagMs;
    const whole = Math.floor(settled / this.sliceMs) * this.sliceMs;
    if (whole > this.meteredUntil) await this.meter(whole, this.lagMs);
  }

  /** At the run's end: meters everything up to `end`, the last slice cut short there. */
  async meterToEnd(end: number): Promise<void> {
    if (end > this.meteredUntil) await this.meter(end, Math.max(0, this.now() - end) + 1);
  }

  private async meter(until: number, lookaheadMs: number): Promise<void> {
    const { ledger, runId } = this.options;
    for (const [sliceFrom, sliceEnd] of sliceBounds(this.meteredUntil, until, this.sliceMs)) {
      const from = Math.max(sliceFrom, this.meteredUntil);
      const to = Math.min(sliceEnd, until);
      const intervals = this.options.occupancy.intervals();
      for (const model of this.options.occupancy.models()) {
        const gpuSeconds = gpuSecondsIn(intervals, model, from, to);
        if (gpuSeconds <= 0) continue;
        const activity = await ledger.llmActivity(model, iso(from), iso(to + lookaheadMs));
        for (const a of activity) if (a.runId === runId) this.lastEndpoint.set(model, a.endpoint);
        const soleUser = await this.soleUser(model, to + lookaheadMs);
        const slice = attributeSlice({
          from,
          to,
          gpuSeconds,
          activity,
          run: {
            runId,
            from: this.options.runStart,
            to: until,
            soleUser,
            idle: {
              budgetSetting: this.options.idle.budgetSetting,
              endpoint: this.lastEndpoint.get(model) ?? this.options.idle.endpoint,
            },
          },
        });
        for (const share of slice.shares) {
          await ledger.recordGpu({
            requestId: `gpu:${runId}:${model}:${iso(sliceFrom)}:${share.budgetSetting}:${share.stage}:${share.endpoint}`,
            runId,
            budgetSetting: share.budgetSetting,
            stage: share.stage,
            model,
            endpoint: share.endpoint,
            gpuSeconds: share.gpuSeconds,
            from: iso(from),
            to: iso(to),
            at: new Date(this.now()).toISOString(),
          });
          this.totals.chargedGpuSeconds += share.gpuSeconds;
          if (share.stage === "idle") this.totals.idleGpuSeconds += share.gpuSeconds;
        }
        this.totals.gpuSeconds += gpuSeconds;
        this.totals.othersGpuSeconds += slice.othersGpuSeconds;
        this.totals.unattributedGpuSeconds += slice.unattributedGpuSeconds;
      }
      this.totals.slices++;
      this.meteredUntil = to;
    }
  }

  /**
   * True when this run has had a response from `model` since it began and no other run has (read
   * incrementally): it holds that endpoint alone. A model the run never asked holds nothing of it.
   */
  private async soleUser(model: string, upTo: number): Promise<boolean> {
    const seen = this.users.get(model) ?? { runs: new Set<string>(), until: this.options.runStart };
    if (upTo > seen.until) {
      for (const run of await this.options.ledger.runsUsingModel(model, iso(seen.until), iso(upTo)))
        seen.runs.add(run);
      seen.until = upTo;
    }
    this.users.set(model, seen);
    return seen.runs.size === 1 && seen.runs.has(this.options.runId);
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
