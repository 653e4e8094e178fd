/**
 * Where a run's wall time goes, from what is in flight at each moment (pure: times are given).
 * Each instant belongs to exactly one category, the first that applies:
 *   - endpoint: at least one LLM request of the run is in flight (waiting for the endpoint,
 *     queued behind sstar's concurrency limit included);
 *   - sandbox: else at least one sandbox batch of the run is executing;
 *   - temporal: else one of the run's activities is running or one of its problems is in flight
 *     (between its first activity's start and its result being written): workflow tasks, activity
 *     dispatch, and the pipeline's own work (store reads, prompts, selection logic, the summary);
 *   - idle: nothing of the run is in flight on the worker (no problem admitted: a run draining
 *     before it continues as new, waiting for the endpoint's room, or for a worker).
 * So the four add up to the wall time from the first thing seen to the last.
 */
export type TimelineKind = "llm" | "sandbox" | "problem";

export interface TimeBreakdownSeconds {
  endpoint: number;
  sandbox: number;
  temporal: number;
  idle: number;
}

export const BREAKDOWN_CATEGORIES = ["endpoint", "sandbox", "temporal", "idle"] as const;

export class TimeBreakdown {
  private readonly inFlight: Record<TimelineKind, number> = { llm: 0, sandbox: 0, problem: 0 };
  private readonly seconds: TimeBreakdownSeconds = { endpoint: 0, sandbox: 0, temporal: 0, idle: 0 };
  private start: number | undefined;
  private last: number | undefined;

  /** Something of `kind` began (+1) or ended (−1) at `atMs`. */
  note(kind: TimelineKind, delta: 1 | -1, atMs: number): void {
    this.advance(atMs);
    this.inFlight[kind] = Math.max(0, this.inFlight[kind] + delta);
  }

  /** The seconds per category up to `atMs` (at least the last moment noted). */
  totals(atMs: number): TimeBreakdownSeconds & { wall: number } {
    this.advance(atMs);
    const wall = this.start === undefined || this.last === undefined ? 0 : (this.last - this.start) / 1000;
    return { ...this.seconds, wall };
  }

  private category(): keyof TimeBreakdownSeconds {
    if (this.inFlight.llm > 0) return "endpoint";
    if (this.inFlight.sandbox > 0) return "sandbox";
    if (this.inFlight.problem > 0) return "temporal";
    return "idle";
  }

  private advance(atMs: number): void {
    if (this.start === undefined || this.last === undefined) {
      this.start = atMs;
      this.last = atMs;
      return;
    }
    if (atMs <= this.last) return;
    this.seconds[this.category()] += (atMs - this.last) / 1000;
    this.last = atMs;
  }
}

/**
 * Several workers' breakdowns of one run: each covers the run's wall time from its own point of
 * view, so they are averaged, not added (one machine: its one worker's figures).
 */
export function combineBreakdowns(
  parts: readonly (TimeBreakdownSeconds & { wall: number })[],
): (TimeBreakdownSeconds & { wall: number; workers: number }) | undefined {
  if (parts.length === 0) return undefined;
  const mean = (f: (p: TimeBreakdownSeconds & { wall: number }) => number) =>
    parts.reduce((s, p) => s + f(p), 0) / parts.length;
  return {
    endpoint: mean((p) => p.endpoint),
    sandbox: mean((p) => p.sandbox),
    temporal: mean((p) => p.temporal),
    idle: mean((p) => p.idle),
    wall: mean((p) => p.wall),
    workers: parts.length,
  };
}
