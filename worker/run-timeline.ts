import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { Context } from "@temporalio/activity";
import type { LlmGateway } from "../llm/llm-gateway";
import {
  combineBreakdowns,
  TimeBreakdown,
  type TimeBreakdownSeconds,
  type TimelineKind,
} from "../method/time-breakdown";
import type { ProgramExecutor } from "../sandbox/types";

/** The folder in a run's results where each worker keeps its view of the run's time. */
export const TIME_BREAKDOWN_DIR = "time-breakdown";

/** The run a workflow belongs to: `sstar-run-<run>` / `sstar-run-<run>--<problem>` (sweeps alike). */
export function runIdOfWorkflow(workflowId: string): string | undefined {
  const m = /^sstar-(?:run|sweep)-(.+?)(?:--.*)?$/.exec(workflowId);
  return m?.[1];
}

/** A problem's first activity when it was finished by an earlier attempt, and those its time ends with. */
const PROBLEM_FIRST = new Set(["storedOutcome"]);
const PROBLEM_LAST = new Set(["writeProblemResult", "writeSweepProblem"]);

type Breakdown = TimeBreakdownSeconds & { wall: number };

/** A problem the run workflow records as errored ends there (its own workflow wrote no result). */
function failedProblem(run: { runId: string; activity: string }, args: unknown[]): string | undefined {
  if (run.activity !== "recordProblemError") return undefined;
  const id = (args[0] as { problem?: { id?: string } } | undefined)?.problem?.id;
  return id === undefined ? undefined : `sstar-run-${run.runId}--${id}`;
}

/**
 * One worker's time breakdown of every run it works for (method/time-breakdown.ts), fed by the
 * LLM gateway, the sandbox and the activities it wraps, and written every few seconds to
 * `<data>/runs/<run>/time-breakdown/<worker>.json` so `sstar status` and the summary read it.
 */
export class RunTimelines {
  private readonly runs = new Map<string, TimeBreakdown>();
  private readonly dirty = new Set<string>();
  private readonly problems = new Set<string>();
  private readonly worker = `${hostname()}-${process.pid}`;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dataDir: string,
    private readonly now: () => number = Date.now,
    flushEveryMs = 2_000,
  ) {
    if (flushEveryMs > 0) {
      this.timer = setInterval(() => this.flush(), flushEveryMs);
      this.timer.unref();
    }
  }

  /** The run of the activity executing now, if it is one of a run's. */
  private currentRun(): { runId: string; workflowId: string; activity: string } | undefined {
    try {
      const info = Context.current().info;
      const workflowId = info.workflowExecution?.workflowId ?? "";
      const runId = runIdOfWorkflow(workflowId);
      return runId ? { runId, workflowId, activity: info.activityType } : undefined;
    } catch {
      return undefined; // not inside an activity
    }
  }

  private note(runId: string, kind: TimelineKind, delta: 1 | -1): void {
    let breakdown = this.runs.get(runId);
    if (!breakdown) {
      breakdown = new TimeBreakdown();
      this.runs.set(runId, breakdown);
    }
    breakdown.note(kind, delta, this.now());
    this.dirty.add(runId);
  }

  private async timed<T>(kind: TimelineKind, task: () => Promise<T>): Promise<T> {
    const run = this.currentRun();
    if (!run) return task();
    this.note(run.runId, kind, 1);
    try {
      return await task();
    } finally {
      this.note(run.runId, kind, -1);
    }
  }

  /** Wraps an activity: a problem is in flight from its first activity until its result is written. */
  activity<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    return async (...args: A) => {
      const run = this.currentRun();
      if (run) {
        // The time before the first activity of a run counts from here on.
        this.note(run.runId, "problem", 1);
        // A problem's own workflow (`…--<problem>`) is in flight from its first activity on.
        if (run.workflowId.includes("--") && !this.problems.has(run.workflowId)) {
          this.problems.add(run.workflowId);
          this.note(run.runId, "problem", 1);
        }
      }
      let ended = false;
      try {
        const result = await fn(...args);
        // A problem finished by an earlier attempt of the run ends at its first activity.
        ended = PROBLEM_FIRST.has(run?.activity ?? "") && result !== undefined && result !== null;
        return result;
      } finally {
        if (run) {
          this.note(run.runId, "problem", -1);
          const problem = PROBLEM_LAST.has(run.activity) || ended ? run.workflowId : failedProblem(run, args);
          if (problem !== undefined && this.problems.delete(problem)) this.note(run.runId, "problem", -1);
        }
      }
    };
  }

  llm(inner: LlmGateway): LlmGateway {
    return {
      complete: (request) => this.timed("llm", () => inner.complete(request)),
      queuedSequences: (baseUrl) => inner.queuedSequences?.(baseUrl) ?? 0,
    };
  }

  executor(inner: ProgramExecutor): ProgramExecutor {
    return {
      execute: (request) => this.timed("sandbox", () => inner.execute(request)),
      close: () => inner.close(),
    };
  }

  /** This worker's figures for a run so far. */
  breakdownOf(runId: string): Breakdown | undefined {
    return this.runs.get(runId)?.totals(this.now());
  }

  /** Writes the runs whose figures changed (atomically: a reader never sees half a file). */
  flush(): void {
    for (const runId of [...this.dirty]) {
      this.dirty.delete(runId);
      const breakdown = this.breakdownOf(runId);
      const runDir = join(this.dataDir, "runs", runId);
      if (!breakdown || !existsSync(runDir)) continue;
      const dir = join(runDir, TIME_BREAKDOWN_DIR);
      try {
        mkdirSync(dir, { recursive: true });
        const file = join(dir, `${this.worker}.json`);
        const body = {
          worker: this.worker,
          updated_at: new Date(this.now()).toISOString(),
          seconds: breakdown,
        };
        writeFileSync(`${file}.tmp`, `${JSON.stringify(body)}\n`);
        renameSync(`${file}.tmp`, file);
      } catch {
        // A full disk or a removed folder costs the run this record only.
      }
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.flush();
  }
}

/** A run's time breakdown from its workers' files (averaged over workers), if any wrote one. */
export function readTimeBreakdown(resultsDir: string): ReturnType<typeof combineBreakdowns> {
  const dir = join(resultsDir, TIME_BREAKDOWN_DIR);
  if (!existsSync(dir)) return undefined;
  const parts: Breakdown[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".json"))) {
    try {
      parts.push((JSON.parse(readFileSync(join(dir, name), "utf8")) as { seconds: Breakdown }).seconds);
    } catch {
      // a file being replaced is read at the next call
    }
  }
  return combineBreakdowns(parts);
}
