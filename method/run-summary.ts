import type { WorkerPreemption } from "../cluster/worker-preemptions";
import type { RunConfig } from "../config/run-config";
import type { SandboxSpend } from "./ledger-usage";
import type { ProblemOutcome, Stage } from "./pipeline-records";

interface TokenTotals {
  prompt: number;
  completion: number;
  reasoning: number;
  requests: number;
}

export interface RunSummary {
  run_id: string;
  name: string;
  /** Every problem of the run, errored ones included (pass@1 is over all of them, errored = not passed). */
  problems: number;
  /** Problems that failed for good (see `errors`); a run with any exits nonzero. */
  errored: number;
  /** Why each errored problem failed: where, what, and what the retries concluded. */
  errors: { problem: string; stage: string; error_class: string; message: string; retry_state?: string }[];
  /** Dataset rows left out by --skip-bad (unreadable, or without hidden tests): how many, and the first few errors. */
  skipped_rows?: { count: number; first: string[] };
  grader: string;
  budget: { n: number; rounds: number };
  /** pass@1 of each selection method: the share of problems whose selected program passes. */
  methods: Record<string, { pass_at_1: number; by_difficulty: Record<string, number>; passed: number }>;
  /** Oracle per round: pass@N (any sample passes) and the mean share of passing samples (pass@1 estimate). */
  oracle: { pass_at_n: number[]; mean_correct_share: number[]; by_difficulty: Record<string, number[]> };
  /** Final candidates, over all problems, kept as empty code (unparsable) or with no function to call. */
  candidates: { unparsable: number; no_entry_point: number };
  /**
   * Under the adaptive budget policy: samples drawn against the fixed budget (N per finished
   * problem), what that saved, and how many problems stopped for each reason.
   */
  adaptive?: {
    samples_drawn: number;
    samples_budget: number;
    samples_saved: number;
    stopped: Record<"settled" | "hopeless" | "budget", number>;
  };
  /** The same `methods` and `oracle` under each further grader of `alsoGrade` (e.g. `ref`). */
  also_graded?: Record<string, Pick<RunSummary, "methods" | "oracle">>;
  /** What was paid per stage: in a run's summary.json, from the spend ledger (every attempt, every resume). */
  tokens: Record<string, TokenTotals> & { total: TokenTotals };
  /** What the response cache answered without paying again (retries, resumes, shared asks), at its price when paid. */
  cache_saved: Record<string, TokenTotals> & { total: TokenTotals };
  /** Where `tokens` comes from: `ledger` for a run's summary, `results` where no ledger was read (reselection). */
  tokens_source: "ledger" | "results";
  /** Sandbox time from the ledger (a run's summary only). */
  sandbox?: SandboxSpend;
  /** In a cluster: the worker pods preempted, evicted or deleted while the run went on, which it survived. */
  worker_preemptions?: { count: number; events: WorkerPreemption[] };
  /**
   * Where the run's wall time went (method/time-breakdown.ts): seconds waiting on the endpoint, in
   * the sandbox, in orchestration (Temporal and the pipeline's own work) and idle; `wall` their sum;
   * averaged over the `workers` that worked for the run.
   */
  time_breakdown_s?: {
    endpoint: number;
    sandbox: number;
    temporal: number;
    idle: number;
    wall: number;
    workers: number;
  };
  /**
   * In a cluster with vLLM pods: the GPU time the run was charged (metered on the pods, split by
   * generated tokens; docs/kubernetes.md), idle included, and what went to others or to no one.
   */
  gpu_time?: {
    gpu_seconds: number;
    idle_gpu_seconds: number;
    other_runs_gpu_seconds: number;
    unattributed_gpu_seconds: number;
  };
  /** Problems the ledger has spend for that are not among the results; their spend is in `tokens`. */
  paid_outside_results?: string[];
  /** The same spend by role (each stage is played by one role), with the model that played it. */
  tokens_by_role: Record<
    string,
    { model: string; prompt: number; completion: number; reasoning: number; requests: number }
  >;
  /** Which model played which role. */
  roles: Record<string, string>;
}

/** The role that plays each stage. */
export const ROLE_OF_STAGE: Record<
  Stage,
  "generator" | "debugger" | "testGenerator" | "inputSynthesizer" | "judge"
> = {
  generate: "generator",
  refine: "debugger",
  // Re-asks after unparsable answers: mostly the generator's (a debug answer's re-ask is the debugger's, counted here too).
  reask: "generator",
  test_inputs: "testGenerator",
  adaptive_inputs: "inputSynthesizer",
  judge: "judge",
  fallback_judge: "judge",
};

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
const share = (hits: number, total: number) => (total === 0 ? 0 : round4(hits / total));

/** Aggregates per-problem outcomes: pass@1 is the problem-weighted mean over difficulty splits. */
export function summarizeRun(runId: string, config: RunConfig, outcomes: ProblemOutcome[]): RunSummary {
  const { methods, oracle } = gradedScores(outcomes);
  const tokens = sumByStage(outcomes, (u) => u);
  const cacheSaved = sumByStage(outcomes, (u) => u.fromCache);
  const roles = Object.fromEntries(
    (["generator", "debugger", "testGenerator", "inputSynthesizer", "judge"] as const).map((r) => {
      const role = config.roles[r] ?? config.roles.generator;
      return [r, `${role.model} @ ${role.endpoint}`];
    }),
  );
  const tokensByRole: RunSummary["tokens_by_role"] = {};
  for (const [stage, t] of Object.entries(tokens) as [string, (typeof tokens)["total"]][]) {
    if (stage === "total") continue;
    const role = ROLE_OF_STAGE[stage as Stage];
    const entry = tokensByRole[role] ?? {
      model: (config.roles[role] ?? config.roles.generator).model,
      prompt: 0,
      completion: 0,
      reasoning: 0,
      requests: 0,
    };
    entry.prompt += t.prompt;
    entry.completion += t.completion;
    entry.reasoning += t.reasoning;
    entry.requests += t.requests;
    tokensByRole[role] = entry;
  }
  return {
    run_id: runId,
    name: config.name,
    problems: outcomes.length,
    errored: outcomes.filter((o) => o.status === "errored").length,
    errors: outcomes.flatMap((o) =>
      o.status === "errored" && o.error
        ? [
            {
              problem: o.problemId,
              stage: o.error.stage,
              error_class: o.error.errorClass,
              message: o.error.message,
              ...(o.error.retryState ? { retry_state: o.error.retryState } : {}),
            },
          ]
        : [],
    ),
    grader: config.grader,
    budget: { n: config.budget.n, rounds: config.budget.rounds },
    methods,
    oracle,
    candidates: {
      unparsable: outcomes.reduce((sum, o) => sum + (o.unparsable ?? 0), 0),
      no_entry_point: outcomes.reduce((sum, o) => sum + (o.noEntryPoint ?? 0), 0),
    },
    ...alsoGradedScores(outcomes, config),
    ...(config.budget.policy === "adaptive" ? { adaptive: adaptiveSavings(outcomes) } : {}),
    tokens,
    cache_saved: cacheSaved,
    tokens_source: "results",
    tokens_by_role: tokensByRole,
    roles,
  };
}

function adaptiveSavings(outcomes: ProblemOutcome[]): NonNullable<RunSummary["adaptive"]> {
  const records = outcomes.flatMap((o) => (o.adaptive ? [o.adaptive] : []));
  const drawn = records.reduce((sum, a) => sum + a.samplesDrawn, 0);
  const budget = records.reduce((sum, a) => sum + a.samplesBudget, 0);
  const stopped = { settled: 0, hopeless: 0, budget: 0 };
  for (const a of records) stopped[a.stop]++;
  return { samples_drawn: drawn, samples_budget: budget, samples_saved: budget - drawn, stopped };
}

/** Per stage and in total, the counts `pick` takes from each outcome's usage of that stage. */
function sumByStage(
  outcomes: ProblemOutcome[],
  pick: (usage: NonNullable<ProblemOutcome["usage"][Stage]>) => TokenTotals | undefined,
): Record<string, TokenTotals> & { total: TokenTotals } {
  const byStage: Record<string, TokenTotals> = {};
  const total = { prompt: 0, completion: 0, reasoning: 0, requests: 0 };
  for (const o of outcomes) {
    for (const [stage, usage] of Object.entries(o.usage) as [
      Stage,
      NonNullable<ProblemOutcome["usage"][Stage]>,
    ][]) {
      const u = pick(usage);
      if (!u) continue;
      const t = byStage[stage] ?? { prompt: 0, completion: 0, reasoning: 0, requests: 0 };
      byStage[stage] = t;
      addTokenTotals(t, u);
      addTokenTotals(total, u);
    }
  }
  return { ...byStage, total };
}

export function addTokenTotals(into: TokenTotals, u: TokenTotals): void {
  into.prompt += u.prompt;
  into.completion += u.completion;
  into.reasoning += u.reasoning;
  into.requests += u.requests;
}

/** pass@1 of every method and the oracle per round, from the outcomes' verdicts. */
function gradedScores(outcomes: ProblemOutcome[]): Pick<RunSummary, "methods" | "oracle"> {
  const difficulties = [...new Set(outcomes.map((o) => o.difficulty))].sort();
  const methods: RunSummary["methods"] = {};
  const labels = [...new Set(outcomes.flatMap((o) => o.methods.map((m) => m.label)))];
  for (const label of labels) {
    const results = outcomes.map((o) => ({
      difficulty: o.difficulty,
      passed: o.methods.find((m) => m.label === label)?.passed ?? false,
    }));
    const passed = results.filter((r) => r.passed).length;
    methods[label] = {
      pass_at_1: share(passed, results.length),
      passed,
      by_difficulty: Object.fromEntries(
        difficulties.map((d) => {
          const split = results.filter((r) => r.difficulty === d);
          return [d, share(split.filter((r) => r.passed).length, split.length)];
        }),
      ),
    };
  }
  const rounds = Math.max(0, ...outcomes.map((o) => o.oracleByRound.length));
  const oracleAt = (subset: ProblemOutcome[], r: number) =>
    share(subset.filter((o) => o.oracleByRound[r] ?? o.oracleByRound.at(-1)).length, subset.length);
  return {
    methods,
    oracle: {
      pass_at_n: Array.from({ length: rounds }, (_, r) => oracleAt(outcomes, r)),
      mean_correct_share: Array.from({ length: rounds }, (_, r) =>
        round4(
          outcomes.reduce((sum, o) => sum + (o.correctByRound[r] ?? o.correctByRound.at(-1) ?? 0), 0) /
            Math.max(1, outcomes.length),
        ),
      ),
      by_difficulty: Object.fromEntries(
        difficulties.map((d) => {
          const split = outcomes.filter((o) => o.difficulty === d);
          return [d, Array.from({ length: rounds }, (_, r) => oracleAt(split, r))];
        }),
      ),
    },
  };
}

/** `also_graded.<grader>`: the same scores under each further grader, where the run asked for them. */
function alsoGradedScores(outcomes: ProblemOutcome[], config: RunConfig): Pick<RunSummary, "also_graded"> {
  const graders = (config.alsoGrade ?? []).filter((g) => g !== config.grader);
  if (graders.length === 0) return {};
  return {
    also_graded: Object.fromEntries(
      graders.map((grader) => [
        grader,
        gradedScores(
          outcomes.map((o) => {
            const other = o.alsoGraded?.[grader];
            return {
              ...o,
              methods: o.methods.map((m) => ({ ...m, passed: other?.methods[m.label] === true })),
              oracleByRound: other?.oracleByRound ?? o.oracleByRound.map(() => false),
              correctByRound: other?.correctByRound ?? o.correctByRound.map(() => 0),
            };
          }),
        ),
      ]),
    ),
  };
}
