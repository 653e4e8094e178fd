import type { RunConfig, SelectionConfig } from "../config/run-config";
import type { CapEvent, StageRates } from "../method/budget-caps";
import type { ProblemEntry, UsageByStage } from "../method/pipeline-records";
import type { ContentRef } from "../store/content-store";

/**
 * What travels through workflow history: small records and content refs. Problems, programs,
 * completions and execution outputs stay in the content store.
 */

export interface ProblemWorkflowInput {
  runId: string;
  config: RunConfig;
  problem: ProblemEntry;
  /** Where per-problem results are written (the run's results folder). */
  resultsDir: string;
  /**
   * The grid when this run serves a sweep: each sample round is paid by the smallest setting that
   * uses it (method/sweep-grid.ts `payingPoint`), which is the budget setting its spend belongs to.
   */
  sweepGrid?: { n: number[]; rounds: number[] };
  /** A retry of a run with errored problems: a problem already finished returns its stored outcome. */
  reuseFinished?: boolean;
  /** Per-stage dollar rates for `costUsd` caps, resolved by the run before it starts problems. */
  capRates?: StageRates;
  /** A run cap reached before this problem started, whose action (`stop_refining`, `skip_tournament`) applies from its start. */
  runCap?: CapEvent;
}

export interface RunWorkflowInput {
  runId: string;
  config: RunConfig;
  resultsDir: string;
  /** Problems finished by one run of the workflow before it continues as new (default 500). */
  childrenPerHistory?: number;
  /** The grid when this run serves a sweep (passed to every problem). */
  sweepGrid?: { n: number[]; rounds: number[] };
  /** A retry of a finished run's errored problems: the finished ones keep their stored outcomes. */
  reuseFinished?: boolean;
  /** Carried across continue-as-new. */
  state?: RunState;
}

export interface RunState {
  listRef?: ContentRef;
  total?: number;
  nextOffset: number;
  done: number;
  usage: UsageByStage;
  startedAt: number;
  /** Per-stage dollar rates, when a cap is priced in dollars. */
  capRates?: StageRates;
  /** The run cap, once reached. */
  runCap?: CapEvent;
  /** Set when a problem met an endpoint that refuses the run (key, model): no problem starts after. */
  endpointRefused?: { problem: string; message: string };
}

export interface RunProgress {
  runId: string;
  total: number | null;
  done: number;
  inFlight: number;
  usage: UsageByStage;
  startedAt: number;
}

/** `sstar sweep`: one run at the grid's largest N and R, then every setting's selection. */
export interface SweepWorkflowInput {
  /** The run's id: the sweep's single run (at the largest N and R) is an ordinary run. */
  runId: string;
  /** The run's configuration: the largest N and R, no selection (the sweep selects per setting). */
  config: RunConfig;
  resultsDir: string;
  grid: { n: number[]; rounds: number[]; methods: SelectionConfig[] };
  childrenPerHistory?: number;
}

/** One problem of a sweep: its record from the sweep's run, selected at every setting of the grid. */
export interface SweepProblemWorkflowInput {
  runId: string;
  config: RunConfig;
  resultsDir: string;
  grid: SweepWorkflowInput["grid"];
  recordRef: ContentRef;
}

export interface ReselectWorkflowInput {
  runId: string;
  config: RunConfig;
  resultsDir: string;
  method: SelectionConfig;
}
