import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ApplicationFailure, Context } from "@temporalio/activity";
import type { RunConfig, SelectionConfig } from "../config/run-config";
import type { Problem } from "../datasets/problem";
import { selectProblems } from "../datasets/select-problems";
import { type LlmGateway, PermanentLlmError } from "../llm/llm-gateway";
import { capsSummary } from "../method/budget-caps";
import { extractProgram } from "../method/parse-response";
import {
  addStageUsage,
  methodLabel,
  NO_USAGE,
  type ProblemEntry,
  type ProblemOutcome,
  type SampleRound,
  type SelectionCandidateRef,
  type StageUsage,
  type UsageByStage,
} from "../method/pipeline-records";
import {
  debugTrace,
  feedbackString,
  generationMessages,
  type PublicTestFeedback,
  selfDebugMessages,
} from "../method/prompts";
import { summarizeRun } from "../method/run-summary";
import { SeededRandom } from "../method/seeded-random";
import {
  type SelectionCandidate,
  type SelectionOutcome,
  selectByCodeOnlyJudge,
  selectByGeneratedTests,
  selectByMajorityVote,
  selectByTestAwareJudge,
  selectFirst,
  selectRandom,
  selectSstarAlgorithm1,
  selectSstarRef,
} from "../method/selection";
import { splitBatchUsage } from "../method/sweep-spend";
import type { ProgramExecutor } from "../sandbox/types";
import type { SandboxSpendContext } from "../spend/spend-context";
import type { ProblemScope, SpendRecorder } from "../spend/spend-recorder";
import type { ContentRef, ContentStore, KeyedStore } from "../store/content-store";
import { activityPayer } from "./activity-spend";
import { budgetCapActivities, readNotRun } from "./budget-cap-activities";
import { CachedExecutor } from "./cached-executor";
import { callRole } from "./role-calls";
import { RunSelectionTools } from "./selection-tools";
import { sweepActivities } from "./sweep-activities";
import { InMemoryKeyedStore, UsageMemoGateway } from "./usage-memo-gateway";

export interface PipelineDeps {
  store: ContentStore;
  llm: LlmGateway;
  /** Created on first use: a worker that only orchestrates never starts sandboxes. */
  executor: () => Promise<ProgramExecutor>;
  executionCache: KeyedStore;
  /** Where datasets named by URL or `lcb:` are downloaded once. */
  datasetCacheDir: string;
  /** Where paid LLM responses and executed sandbox batches are recorded (the ledger first). */
  spend: SpendRecorder;
  /** What each paid completion cost, by response-cache key, for sweeps' standalone spend (else per process). */
  usageMemo?: KeyedStore;
}

const PROBLEM_PAGE = 200;

/** Temporal must not retry what cannot succeed; the message names what is wrong. */
function permanent(err: unknown): never {
  if (err instanceof PermanentLlmError) {
    throw ApplicationFailure.nonRetryable(
      err.message,
      err.kind === "context_overflow" ? "ContextOverflow" : "BadLlmRequest",
    );
  }
  throw err;
}

/** How often running activities report liveness; a worker killed mid-activity is noticed within the heartbeat timeout. */
const HEARTBEAT_EVERY_MS = 10_000;

/**
 * Heartbeats while an activity runs. Without it a preempted worker's activity would only be retried
 * after its whole start-to-close timeout (up to an hour for a long generation).
 */
function heartbeating<A extends unknown[], R>(
  activity: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args: A) => {
    const context = Context.current();
    const timer = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
    try {
      return await activity(...args);
    } finally {
      clearInterval(timer);
    }
  };
}

export function createPipelineActivities(deps: PipelineDeps) {
  const activities = { ...pipelineActivities(deps), ...sweepActivities(deps), ...budgetCapActivities(deps) };
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [
      name,
      heartbeating(fn as (...args: unknown[]) => Promise<unknown>),
    ]),
  ) as typeof activities;
}

function pipelineActivities(deps: PipelineDeps) {
  const executor = new CachedExecutor(deps.executor, deps.executionCache, deps.spend);
  const selectionLlm = new UsageMemoGateway(deps.llm, deps.usageMemo ?? new InMemoryKeyedStore());
  const problemCache = new Map<string, Promise<Problem>>();
  const loadProblem = (ref: ContentRef): Promise<Problem> => {
    let problem = problemCache.get(ref);
    if (!problem) {
      problem = deps.store.getJson<Problem>(ref);
      problemCache.set(ref, problem);
      if (problemCache.size > 256) problemCache.delete(problemCache.keys().next().value as string);
    }
    return problem;
  };

  async function publicFeedback(
    problem: Problem,
    code: string,
    config: RunConfig,
    payer: SandboxSpendContext,
  ) {
    const result = await executor.execute(
      {
        program: code,
        kind: problem.kind,
        funcName: problem.funcName,
        tests: problem.publicTests,
        mode: "grade",
        grader: config.grader,
        stopOnFailure: false,
        limits: config.limits,
      },
      payer,
    );
    const feedback: PublicTestFeedback[] = problem.publicTests.map((t, i) => {
      const r = result.tests[i];
      const killed =
        r?.outcome === "time_limit" || r?.outcome === "memory_limit" || r?.outcome === "output_limit";
      const error =
        result.compileError ??
        (r?.outcome === "runtime_error" ? (r.error ?? "runtime error").trim().split("\n").at(-1) : undefined);
      return {
        input: t.input,
        expected: t.expected,
        output: r?.output?.trim(),
        error,
        killed,
        passed: r?.outcome === "passed",
      };
    });
    return {
      passed: feedback.filter((f) => f.passed).length,
      total: feedback.length,
      text: feedbackString(feedback),
    };
  }

  /** Parses an answer into a round, retrying unparsable answers as configured. */
  async function programRound(
    round: number,
    text: string,
    layout: "dspy" | "raw",
    problem: Problem,
    config: RunConfig,
    retry: (attempt: number) => Promise<string>,
    retries: number,
    /** Pays for the public-test run, under the stage whose answer it tests (generate or refine). */
    payer: SandboxSpendContext,
  ): Promise<SampleRound> {
    let parsed = extractProgram(text, layout);
    for (let attempt = 1; !parsed.ok && attempt <= retries; attempt++)
      parsed = extractProgram(await retry(attempt), layout);
    if (!parsed.ok)
      return { round, parseError: parsed.reason, publicPassed: 0, publicTotal: problem.publicTests.length };
    const codeRef = await deps.store.putText(parsed.value.code);
    const reasoningRef = await deps.store.putText(parsed.value.reasoning);
    const feedback = await publicFeedback(problem, parsed.value.code, config, payer);
    return {
      round,
      codeRef,
      reasoningRef,
      publicPassed: feedback.passed,
      publicTotal: feedback.total,
      feedbackRef: await deps.store.putText(feedback.text),
    };
  }

  return {
    /** Reads and filters the dataset once; the run pages through the stored list. */
    async prepareProblems(input: { config: RunConfig }): Promise<{ listRef: ContentRef; total: number }> {
      // A release shard is about 1 GB: report download progress as heartbeats.
      const problems = await selectProblems(input.config.dataset, {
        cacheDir: deps.datasetCacheDir,
        skipBad: input.config.dataset.skipBad,
        onProgress: (p) => Context.current().heartbeat(p.received),
      });
      const entries: ProblemEntry[] = [];
      for (const problem of problems) {
        entries.push({
          id: problem.id,
          ref: await deps.store.putJson(problem),
          difficulty: problem.difficulty,
        });
      }
      return { listRef: await deps.store.putJson(entries), total: entries.length };
    },

    async problemPage(input: {
      listRef: ContentRef;
      offset: number;
      count?: number;
    }): Promise<ProblemEntry[]> {
      const entries = await deps.store.getJson<ProblemEntry[]>(input.listRef);
      return entries.slice(input.offset, input.offset + (input.count ?? PROBLEM_PAGE));
    },

    /** Round 0: N samples (one request with `n` where the endpoint allows), each tested on the public tests. */
    async generateSamples(input: {
      config: RunConfig;
      problem: ProblemEntry;
      /** The run and budget setting that pay for this problem. */
      scope: ProblemScope;
    }): Promise<{ rounds: SampleRound[]; usage: UsageByStage; shared: StageUsage }> {
      const { config } = input;
      const problem = await loadProblem(input.problem.ref);
      const role = config.roles.generator;
      const messages = generationMessages(problem, role.layout, { systemPrompt: role.systemPrompt });
      // The problem's first activity, on each attempt: a killed worker's gauges died with it, and
      // a failed attempt takes its start back below.
      deps.spend.problemStarted(input.scope);
      const payer = activityPayer(input.scope, problem.id);
      let usage: StageUsage = NO_USAGE;
      const add = (u: StageUsage) => {
        usage = addStageUsage(usage, u);
      };
      try {
        const keys = Array.from({ length: config.budget.n }, (_, i) => `sample${i}:round0`);
        const call = await callRole(
          deps.llm,
          config,
          "generator",
          "generate",
          problem.id,
          messages,
          keys,
          payer,
        );
        add(call.usage);
        // Each sample's own tokens, for a sweep's attribution (method/sweep-spend.ts).
        const split = splitBatchUsage(
          call.usage,
          call.texts.map((t) => t.length),
          config.endpoints[role.endpoint]?.supportsN ?? true,
        );
        const sampleUsage = split.perSample;
        const rounds = await Promise.all(
          call.texts.map((text, i) =>
            programRound(
              0,
              text,
              role.layout,
              problem,
              config,
              async (attempt) => {
                const again = await callRole(
                  deps.llm,
                  config,
                  "generator",
                  "generate",
                  problem.id,
                  messages,
                  [`sample${i}:round0:retry${attempt}`],
                  payer,
                );
                add(again.usage);
                sampleUsage[i] = addStageUsage(sampleUsage[i] ?? NO_USAGE, again.usage);
                return again.texts[0] ?? "";
              },
              role.parseRetries,
              { ...payer, stage: "generate" },
            ),
          ),
        );
        return {
          rounds: rounds.map((round, i) => ({ ...round, usage: sampleUsage[i] ?? NO_USAGE })),
          usage: { generate: usage },
          shared: split.shared,
        };
      } catch (err) {
        deps.spend.problemAbandoned(input.scope);
        permanent(err);
      }
    },

    /** One debug round of one sample, given its history; tested on the public tests. */
    async refineSample(input: {
      config: RunConfig;
      problem: ProblemEntry;
      sampleIndex: number;
      history: SampleRound[];
      scope: ProblemScope;
    }): Promise<{ round: SampleRound; usage: UsageByStage }> {
      const { config, history } = input;
      const problem = await loadProblem(input.problem.ref);
      const rounds = await Promise.all(
        history
          .filter((r) => r.codeRef)
          .map(async (r) => ({
            code: await deps.store.getText(r.codeRef as ContentRef),
            reasoning: r.reasoningRef ? await deps.store.getText(r.reasoningRef) : "",
            feedback: r.feedbackRef ? await deps.store.getText(r.feedbackRef) : "",
          })),
      );
      const trace = debugTrace(problem.content, rounds, {
        context: config.budget.context,
        includeReasoning: config.budget.includeReasoning,
      });
      const messages = selfDebugMessages(trace);
      const round = history.length;
      const key = `sample${input.sampleIndex}:round${round}`;
      const payer = activityPayer(input.scope, problem.id);
      let usage: StageUsage = NO_USAGE;
      try {
        const call = await callRole(
          deps.llm,
          config,
          "debugger",
          "refine",
          problem.id,
          messages,
          [key],
          payer,
        );
        usage = call.usage;
        // Debug answers always use the DSPy layout: the reference debugged through DSPy on every path.
        const result = await programRound(
          round,
          call.texts[0] ?? "",
          "dspy",
          problem,
          config,
          async (attempt) => {
            const again = await callRole(
              deps.llm,
              config,
              "debugger",
              "refine",
              problem.id,
              messages,
              [`${key}:retry${attempt}`],
              payer,
            );
            usage = addStageUsage(usage, again.usage);
            return again.texts[0] ?? "";
          },
          (config.roles.debugger ?? config.roles.generator).parseRetries,
          { ...payer, stage: "refine" },
        );
        return { round: { ...result, usage }, usage: { refine: usage } };
      } catch (err) {
        permanent(err);
      }
    },

    /** One selection method over the final candidates. */
    async selectCandidate(input: {
      config: RunConfig;
      problem: ProblemEntry;
      method: SelectionConfig;
      candidates: SelectionCandidateRef[];
      scope: ProblemScope;
    }): Promise<{
      selected: number | null;
      reason: string;
      recordRef: ContentRef;
      usage: UsageByStage;
      /** The calls' price counting those the response cache answered: the method's cost run alone. */
      standaloneUsage: UsageByStage;
    }> {
      const { config, method } = input;
      const problem = await loadProblem(input.problem.ref);
      if (input.candidates.length === 0) {
        const recordRef = await deps.store.putJson({
          method: methodLabel(method),
          selected: null,
          reason: "no parsable sample",
        });
        return { selected: null, reason: "no parsable sample", recordRef, usage: {}, standaloneUsage: {} };
      }
      const codes = new Map(
        await Promise.all(
          input.candidates.map(async (c) => [c.index, await deps.store.getText(c.codeRef)] as const),
        ),
      );
      const rng = new SeededRandom(config.seed, problem.id, "selection", methodLabel(method));
      const tools = new RunSelectionTools({
        problem,
        config,
        codes,
        llm: selectionLlm,
        executor,
        rng,
        hidePredictedOutputs: method.method === "sstar" ? method.hidePredictedOutputs : false,
        payer: activityPayer(input.scope, problem.id),
      });
      const candidates: SelectionCandidate[] = input.candidates.map((c) => ({
        index: c.index,
        publicScore: c.publicScore,
      }));
      let outcome: SelectionOutcome;
      try {
        switch (method.method) {
          case "sstar":
            outcome =
              method.mode === "ref"
                ? await selectSstarRef(candidates, tools, method.tieBreak)
                : await selectSstarAlgorithm1(candidates, tools, method.tieBreak);
            break;
          case "majority_vote":
            outcome = await selectByMajorityVote(candidates, tools, method);
            break;
          case "llm_judge":
            outcome =
              method.grounding === "generated_tests"
                ? await selectByTestAwareJudge(candidates, tools, "lowest-index")
                : await selectByCodeOnlyJudge(
                    candidates.map((c) => c.index),
                    tools,
                    "lowest-index",
                  );
            break;
          case "generated_tests":
            outcome = await selectByGeneratedTests(candidates, tools);
            break;
          case "random":
            outcome = selectRandom(candidates, rng);
            break;
          case "self_debug":
            outcome = { selected: candidates[0]?.index ?? 0, reason: "the single self-debugged sample" };
            break;
          default:
            // `first`; `oracle` is graded over every candidate rather than selected.
            outcome = selectFirst(candidates);
        }
      } catch (err) {
        permanent(err);
      }
      const recordRef = await deps.store.putJson({
        method: methodLabel(method),
        ...outcome,
        tests: tools.log,
      });
      return {
        selected: outcome.selected,
        reason: outcome.reason,
        recordRef,
        usage: tools.usage,
        standaloneUsage: tools.standaloneUsage,
      };
    },

    /**
     * Grades programs on the hidden tests: with the `lcb` grader public then private tests, stopping
     * at the first failure (LiveCodeBench); with `ref`, private tests only (the reference).
     */
    async gradePrograms(input: {
      config: RunConfig;
      problem: ProblemEntry;
      codeRefs: ContentRef[];
      scope: ProblemScope;
    }): Promise<Record<string, boolean>> {
      const { config } = input;
      const problem = await loadProblem(input.problem.ref);
      const tests =
        config.grader === "lcb" ? [...problem.publicTests, ...problem.privateTests] : problem.privateTests;
      const unique = [...new Set(input.codeRefs)];
      const payer = { ...activityPayer(input.scope, problem.id), stage: "grade" };
      const results = await Promise.all(
        unique.map(async (ref) => {
          const result = await executor.execute(
            {
              program: await deps.store.getText(ref),
              kind: problem.kind,
              funcName: problem.funcName,
              tests,
              mode: "grade",
              grader: config.grader,
              stopOnFailure: true,
              limits: config.limits,
            },
            payer,
          );
          const passed =
            !result.compileError &&
            result.tests.length === tests.length &&
            result.tests.every((t) => t.outcome === "passed");
          return [ref, passed] as const;
        }),
      );
      return Object.fromEntries(results);
    },

    /** The problem's full record (every candidate, lineage, selections, verdicts), to the results folder. */
    async writeProblemResult(input: {
      resultsDir: string;
      outcome: Omit<ProblemOutcome, "recordRef">;
      record: unknown;
      scope: ProblemScope;
    }): Promise<ContentRef> {
      const recordRef = await deps.store.putJson(input.record);
      const dir = join(input.resultsDir, "problems");
      await mkdir(dir, { recursive: true });
      const outcome: ProblemOutcome = { ...input.outcome, recordRef };
      await writeFile(
        join(dir, `${encodeURIComponent(outcome.problemId)}.json`),
        `${JSON.stringify(outcome)}\n`,
      );
      deps.spend.problemFinished(input.scope);
      return recordRef;
    },

    /** What a finished run stored per problem: enough to select again without generating. */
    async storedCandidates(input: { resultsDir: string }): Promise<
      {
        problem: ProblemEntry;
        candidates: SelectionCandidateRef[];
        oracleByRound: boolean[];
        correctByRound: number[];
      }[]
    > {
      const dir = join(input.resultsDir, "problems");
      const files = (await readdir(dir).catch(() => [] as string[]))
        .filter((f) => f.endsWith(".json"))
        .sort();
      return Promise.all(
        files.map(async (f) => {
          const outcome = JSON.parse(await readFile(join(dir, f), "utf8")) as ProblemOutcome;
          const record = await deps.store.getJson<{
            problem: ProblemEntry;
            finalCandidates: SelectionCandidateRef[];
          }>(outcome.recordRef);
          return {
            problem: record.problem,
            candidates: record.finalCandidates,
            oracleByRound: outcome.oracleByRound,
            correctByRound: outcome.correctByRound,
          };
        }),
      );
    },

    /** The summary of a reselection, in the run summary's shape, written beside the run's own. */
    async writeReselectSummary(input: {
      runId: string;
      config: RunConfig;
      resultsDir: string;
      label: string;
      outcomes: ProblemOutcome[];
    }): Promise<unknown> {
      const summary = summarizeRun(input.runId, input.config, input.outcomes);
      const dir = join(input.resultsDir, "reselect");
      await mkdir(dir, { recursive: true });
      await writeFile(
        join(dir, `${input.label.replace(/[^\w.=,()-]+/g, "_")}.json`),
        `${JSON.stringify(summary, null, 2)}\n`,
      );
      return summary;
    },

    /** results.jsonl, summary.json and LiveCodeBench generation files from every problem's result. */
    async writeRunSummary(input: { runId: string; config: RunConfig; resultsDir: string }): Promise<unknown> {
      const dir = join(input.resultsDir, "problems");
      const files = (await readdir(dir).catch(() => [] as string[]))
        .filter((f) => f.endsWith(".json"))
        .sort();
      const outcomes: ProblemOutcome[] = await Promise.all(
        files.map(async (f) => JSON.parse(await readFile(join(dir, f), "utf8")) as ProblemOutcome),
      );
      const summary = {
        ...summarizeRun(input.runId, input.config, outcomes),
        // Where and why spend caps changed the run (only when caps are configured).
        ...(input.config.budget.caps
          ? { caps: capsSummary(outcomes, await readNotRun(input.resultsDir)) }
          : {}),
      };
      await writeFile(
        join(input.resultsDir, "results.jsonl"),
        outcomes.map((o) => JSON.stringify(o)).join("\n") + (outcomes.length ? "\n" : ""),
      );
      await writeFile(join(input.resultsDir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
      await writeLcbGenerations(deps.store, input.resultsDir, outcomes);
      return summary;
    },
  };
}

/**
 * LiveCodeBench's custom-evaluation input: `[{question_id, code_list}]`, one file per selection
 * method (the selected program) and one with every final candidate (for pass@k).
 */
async function writeLcbGenerations(
  store: ContentStore,
  resultsDir: string,
  outcomes: ProblemOutcome[],
): Promise<void> {
  const byMethod = new Map<string, { question_id: string; code_list: string[] }[]>();
  const all: { question_id: string; code_list: string[] }[] = [];
  for (const outcome of outcomes) {
    const record = await store.getJson<{ finalCandidates?: { index: number; codeRef: ContentRef }[] }>(
      outcome.recordRef,
    );
    const codes = new Map<number, string>();
    for (const c of record.finalCandidates ?? []) codes.set(c.index, await store.getText(c.codeRef));
    all.push({ question_id: outcome.problemId, code_list: [...codes.values()] });
    for (const m of outcome.methods) {
      const list = byMethod.get(m.label) ?? [];
      list.push({
        question_id: outcome.problemId,
        code_list: m.selected === null ? [""] : [codes.get(m.selected) ?? ""],
      });
      byMethod.set(m.label, list);
    }
  }
  const dir = join(resultsDir, "lcb-generations");
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "all-candidates.json"), JSON.stringify(all));
  for (const [label, list] of byMethod)
    await writeFile(join(dir, `${label.replace(/[^\w.=,()-]+/g, "_")}.json`), JSON.stringify(list));
}
