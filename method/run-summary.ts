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
  const fold = new RunSummaryFold(runId, config);
  for (const o of outcomes) fold.add(o);
  return fold.summary();
}

/**
 * The run summary folded one outcome at a time, so a run of any size is summarized while its
 * results stream past: it holds counts per method, round and difficulty, never the outcomes.
 */
export class RunSummaryFold {
  private problems = 0;
  private errored = 0;
  private readonly errors: RunSummary["errors"] = [];
  private readonly scores = new GradedScoresFold();
  private readonly alsoGraded = new Map<string, GradedScoresFold>();
  private readonly tokens = new StageTotalsFold();
  private readonly cacheSaved = new StageTotalsFold();
  private readonly candidates = { unparsable: 0, no_entry_point: 0 };
  private readonly adaptive = {
    samples_drawn: 0,
    samples_budget: 0,
    stopped: { settled: 0, hopeless: 0, budget: 0 },
  };

  constructor(
    private readonly runId: string,
    private readonly config: RunConfig,
  ) {
    for (const grader of config.alsoGrade ?? [])
      if (grader !== config.grader) this.alsoGraded.set(grader, new GradedScoresFold());
  }

  add(o: ProblemOutcome): void {
    this.problems++;
    if (o.status === "errored") {
      this.errored++;
      if (o.error)
        this.errors.push({
          problem: o.problemId,
          stage: o.error.stage,
          error_class: o.error.errorClass,
          message: o.error.message,
          ...(o.error.retryState ? { retry_state: o.error.retryState } : {}),
        });
    }
    this.scores.add(o);
    for (const [grader, fold] of this.alsoGraded) {
      const other = o.alsoGraded?.[grader];
      fold.add({
        difficulty: o.difficulty,
        methods: o.methods.map((m) => ({ label: m.label, passed: other?.methods[m.label] === true })),
        oracleByRound: other?.oracleByRound ?? o.oracleByRound.map(() => false),
        correctByRound: other?.correctByRound ?? o.correctByRound.map(() => 0),
      });
    }
    for (const [stage, usage] of Object.entries(o.usage) as [
      Stage,
      NonNullable<ProblemOutcome["usage"][Stage]>,
    ][]) {
      this.tokens.add(stage, usage);
      if (usage.fromCache) this.cacheSaved.add(stage, usage.fromCache);
    }
    this.candidates.unparsable += o.unparsable ?? 0;
    this.candidates.no_entry_point += o.noEntryPoint ?? 0;
    if (o.adaptive) {
      this.adaptive.samples_drawn += o.adaptive.samplesDrawn;
      this.adaptive.samples_budget += o.adaptive.samplesBudget;
      this.adaptive.stopped[o.adaptive.stop]++;
    }
  }

  summary(): RunSummary {
    const { config } = this;
    const tokens = this.tokens.totals();
    const roles = Object.fromEntries(
      (["generator", "debugger", "testGenerator", "inputSynthesizer", "judge"] as const).map((r) => {
        const role = config.roles[r] ?? config.roles.generator;
        return [r, `${role.model} @ ${role.endpoint}`];
      }),
    );
    const tokensByRole: RunSummary["tokens_by_role"] = {};
    for (const [stage, t] of Object.entries(tokens) as [string, TokenTotals][]) {
      if (stage === "total") continue;
      const role = ROLE_OF_STAGE[stage as Stage];
      const entry = tokensByRole[role] ?? {
        model: (config.roles[role] ?? config.roles.generator).model,
        prompt: 0,
        completion: 0,
        reasoning: 0,
        requests: 0,
      };
      addTokenTotals(entry, t);
      tokensByRole[role] = entry;
    }
    const { samples_drawn, samples_budget, stopped } = this.adaptive;
    return {
      run_id: this.runId,
      name: config.name,
      problems: this.problems,
      errored: this.errored,
      errors: [...this.errors],
      grader: config.grader,
      budget: { n: config.budget.n, rounds: config.budget.rounds },
      ...this.scores.scores(),
      candidates: { ...this.candidates },
      ...(this.alsoGraded.size
        ? {
            also_graded: Object.fromEntries(
              [...this.alsoGraded].map(([grader, fold]) => [grader, fold.scores()]),
            ),
          }
        : {}),
      ...(config.budget.policy === "adaptive"
        ? {
            adaptive: {
              samples_drawn,
              samples_budget,
              samples_saved: samples_budget - samples_drawn,
              stopped: { ...stopped },
            },
          }
        : {}),
      tokens,
      cache_saved: this.cacheSaved.totals(),
      tokens_source: "results",
      tokens_by_role: tokensByRole,
      roles,
    };
  }
}

/** Per stage and in total. */
class StageTotalsFold {
  private readonly byStage: Record<string, TokenTotals> = {};
  private readonly total: TokenTotals = { prompt: 0, completion: 0, reasoning: 0, requests: 0 };

  add(stage: string, u: TokenTotals): void {
    const t = this.byStage[stage] ?? { prompt: 0, completion: 0, reasoning: 0, requests: 0 };
    this.byStage[stage] = t;
    addTokenTotals(t, u);
    addTokenTotals(this.total, u);
  }

  totals(): Record<string, TokenTotals> & { total: TokenTotals } {
    return { ...structuredClone(this.byStage), total: { ...this.total } };
  }
}

/** What the scores read of an outcome. */
interface GradedFacts {
  difficulty: string;
  methods: { label: string; passed: boolean }[];
  oracleByRound: boolean[];
  correctByRound: number[];
}

/** Oracle counts of one difficulty: by round, and for outcomes shorter than the run's rounds, their last round. */
interface OracleCounts {
  problems: number;
  /** [round] → problems passing at that round (over outcomes that have it). */
  passing: number[];
  correct: number[];
  /** [rounds] → outcomes with that many oracle rounds: how many, and how many passed their last. */
  endedAt: { problems: number; passing: number }[];
  /** [rounds] → the last correct share of outcomes with that many shares, summed. */
  correctEndedAt: number[];
}

/**
 * pass@1 of every method and the oracle per round. An outcome with fewer rounds than the run's
 * most counts its last round for the later ones (it stopped early: its answer did not change).
 */
class GradedScoresFold {
  private readonly byDifficulty = new Map<string, OracleCounts>();
  /** label → difficulty → problems passed. */
  private readonly passed = new Map<string, Map<string, number>>();
  private problems = 0;

  add(o: GradedFacts): void {
    this.problems++;
    let counts = this.byDifficulty.get(o.difficulty);
    if (!counts) {
      counts = { problems: 0, passing: [], correct: [], endedAt: [], correctEndedAt: [] };
      this.byDifficulty.set(o.difficulty, counts);
    }
    counts.problems++;
    o.oracleByRound.forEach((pass, r) => {
      counts.passing[r] = (counts.passing[r] ?? 0) + (pass ? 1 : 0);
    });
    const rounds = o.oracleByRound.length;
    const end = counts.endedAt[rounds] ?? { problems: 0, passing: 0 };
    counts.endedAt[rounds] = end;
    end.problems++;
    end.passing += o.oracleByRound.at(-1) ? 1 : 0;
    o.correctByRound.forEach((share, r) => {
      counts.correct[r] = (counts.correct[r] ?? 0) + share;
    });
    const shares = o.correctByRound.length;
    counts.correctEndedAt[shares] = (counts.correctEndedAt[shares] ?? 0) + (o.correctByRound.at(-1) ?? 0);
    for (const m of o.methods) {
      let split = this.passed.get(m.label);
      if (!split) {
        split = new Map();
        this.passed.set(m.label, split);
      }
      split.set(o.difficulty, (split.get(o.difficulty) ?? 0) + (m.passed ? 1 : 0));
    }
  }

  scores(): Pick<RunSummary, "methods" | "oracle"> {
    const difficulties = [...this.byDifficulty.keys()].sort();
    const methods: RunSummary["methods"] = {};
    for (const [label, split] of this.passed) {
      const passed = [...split.values()].reduce((a, b) => a + b, 0);
      methods[label] = {
        pass_at_1: share(passed, this.problems),
        passed,
        by_difficulty: Object.fromEntries(
          difficulties.map((d) => [d, share(split.get(d) ?? 0, this.byDifficulty.get(d)?.problems ?? 0)]),
        ),
      };
    }
    const all = [...this.byDifficulty.values()];
    const rounds = Math.max(0, ...all.map((c) => c.endedAt.length - 1));
    const oracleAt = (subset: OracleCounts[], r: number) => {
      let hits = 0;
      let total = 0;
      for (const c of subset) {
        total += c.problems;
        hits += c.passing[r] ?? 0;
        // Outcomes that ended before round r count their last round.
        for (let len = 0; len <= r && len < c.endedAt.length; len++) hits += c.endedAt[len]?.passing ?? 0;
      }
      return share(hits, total);
    };
    const correctAt = (r: number) => {
      let sum = 0;
      for (const c of all) {
        sum += c.correct[r] ?? 0;
        // Outcomes with no share at round r count their last one.
        for (let len = 0; len <= r && len < c.correctEndedAt.length; len++) sum += c.correctEndedAt[len] ?? 0;
      }
      return round4(sum / Math.max(1, this.problems));
    };
    return {
      methods,
      oracle: {
        pass_at_n: Array.from({ length: rounds }, (_, r) => oracleAt(all, r)),
        mean_correct_share: Array.from({ length: rounds }, (_, r) => correctAt(r)),
        by_difficulty: Object.fromEntries(
          difficulties.map((d) => [
            d,
            Array.from({ length: rounds }, (_, r) => oracleAt([this.byDifficulty.get(d) as OracleCounts], r)),
          ]),
        ),
      },
    };
  }
}

export function addTokenTotals(into: TokenTotals, u: TokenTotals): void {
  into.prompt += u.prompt;
  into.completion += u.completion;
  into.reasoning += u.reasoning;
  into.requests += u.requests;
}
