import { ApplicationFailure } from "@temporalio/activity";
import type { RunConfig } from "../config/run-config";
import type { Problem } from "../datasets/problem";
import type { ChatMessage } from "../method/dspy-layout";
import {
  addStageUsage,
  NO_USAGE,
  type ProblemEntry,
  type RefineRoundRecord,
  type SampleRound,
  type StageUsage,
  type UsageByStage,
} from "../method/pipeline-records";
import { debugTrace, feedbackMessage, questionText, selfDebugMessages } from "../method/prompts";
import {
  absorbStatuses,
  afterRefineRound,
  feedbackLine,
  type GeneratedTestStatus,
  generatedTestNumber,
  generatedTestStatus,
  judgeRefineRound,
  type RefineState,
  refinementTrace,
  refineTarget,
  startRefineState,
} from "../method/refine-decision";
import { SeededRandom } from "../method/seeded-random";
import type { ExecutionResult } from "../sandbox/types";
import type { ActivitySpend } from "../spend/spend-context";
import type { ProblemScope } from "../spend/spend-recorder";
import type { ContentRef } from "../store/content-store";
import { activityPayer } from "./activity-spend";
import { type PipelineDeps, permanent, problemLoader } from "./activity-support";
import { CachedExecutor } from "./cached-executor";
import { programExecution } from "./program-execution";
import type { PublicTestRounds } from "./public-test-rounds";
import { callRole } from "./role-calls";
import { agreesWithPrediction, type RunnableTest, TestSynthesis } from "./test-synthesis";

/** A generated test as a program did on it: its status and its message in the reference's wording. */
interface GeneratedTestOutcome {
  status: GeneratedTestStatus;
  message: string;
}

/**
 * Stage 1b of S*: self-debugging, one round of one sample at a time, against the public tests;
 * and with `budget.selfDebugDecision: refine`, refinement against the problem's generated tests
 * once a sample passes them (docs/refine-decision.md).
 */
export function refineActivities(deps: PipelineDeps, rounds: PublicTestRounds) {
  const loadProblem = problemLoader(deps.store);
  // The same execution cache and ledger as every stage's executor (pipeline-activities.ts).
  const executor = new CachedExecutor(deps.executor, deps.executionCache, deps.spend);

  /** The sample's accepted rounds as the trace shows them: reasoning, code, public feedback, anchors' lines. */
  const tracedRounds = (history: SampleRound[]) =>
    Promise.all(
      history
        .filter((r) => r.codeRef)
        .map(async (r) => ({
          code: await deps.store.getText(r.codeRef as ContentRef),
          reasoning: r.reasoningRef ? await deps.store.getText(r.reasoningRef) : "",
          feedback: r.feedbackRef ? await deps.store.getText(r.feedbackRef) : "",
          generatedFeedback: r.refine?.feedbackRef ? await deps.store.getText(r.refine.feedbackRef) : "",
        })),
    );

  /**
   * A program on every generated test, one sandbox batch. The tests are listed exactly as Stage 2
   * lists them (test-synthesis.ts), so the final program's batch is one execution for both stages.
   */
  const onGeneratedTests = async (
    problem: Problem,
    config: RunConfig,
    code: string,
    tests: RunnableTest[],
    payer: ActivitySpend,
  ): Promise<GeneratedTestOutcome[]> => {
    if (tests.length === 0) return [];
    const result = await executor.execute(
      programExecution(
        problem,
        code,
        tests.map((t) => (t.keywords ? { input: t.input, keywords: true } : { input: t.input })),
        config,
        { mode: "collect" },
      ),
      { ...payer, stage: "refine" },
    );
    return tests.map((test, i) => generatedTestOutcome(test, result, i, problem.kind));
  };

  /** The lines of the given anchors (by position in `anchors`), numbered after the public tests. */
  const anchorLines = (
    problem: Problem,
    anchors: number[],
    shown: number[],
    outcomes: GeneratedTestOutcome[],
  ): string =>
    shown
      .map((test) =>
        feedbackLine(
          generatedTestNumber(problem.publicTests.length, anchors.indexOf(test)),
          outcomes[test]?.message ?? "",
        ),
      )
      .join("");

  const loadTests = (ref: ContentRef) => deps.store.getJson<RunnableTest[]>(ref);

  return {
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
      const traced = await Promise.all(
        history
          .filter((r) => r.codeRef)
          .map(async (r) => ({
            code: await deps.store.getText(r.codeRef as ContentRef),
            reasoning: r.reasoningRef ? await deps.store.getText(r.reasoningRef) : "",
            feedback: r.feedbackRef ? await deps.store.getText(r.feedbackRef) : "",
          })),
      );
      // The trace starts from the question the generator was shown.
      const question = questionText(problem, config.roles.generator.showStarterCode);
      const trace = debugTrace(question, traced, {
        context: config.budget.context,
        includeReasoning: config.budget.includeReasoning,
      });
      return debugRound(
        input,
        problem,
        selfDebugMessages(trace),
        `sample${input.sampleIndex}:round${history.length}`,
      );
    },

    /**
     * The problem's generated tests for refinement: the test generator's inputs with predicted
     * outputs, asked exactly as Stage 2 asks (the same prompt and keys), so the problem pays for
     * one test generation and refinement and selection see the same tests, as in the reference.
     */
    async prepareGeneratedTests(input: {
      config: RunConfig;
      problem: ProblemEntry;
      scope: ProblemScope;
    }): Promise<{ testsRef: ContentRef; count: number; usage: UsageByStage }> {
      const { config } = input;
      const problem = await loadProblem(input.problem.ref);
      const synthesis = new TestSynthesis({
        problem,
        config,
        codes: new Map(),
        llm: deps.llm,
        executor,
        rng: new SeededRandom(config.seed, problem.id, "refine"),
        hidePredictedOutputs: false,
        payer: activityPayer(input.scope, problem.id),
      });
      try {
        const count = await synthesis.generatedTestCount();
        const testsRef = await deps.store.putJson(synthesis.log.generatedTests ?? []);
        return { testsRef, count, usage: synthesis.usage };
      } catch (err) {
        permanent(err);
      }
    },

    /**
     * A sample enters refinement: its program (which passes every public test) on the generated
     * tests. Passed tests become anchors, whose messages the trace shows after the round's public
     * feedback; bad tests are set aside; the failing ones are left to try, in order.
     */
    async startRefinement(input: {
      config: RunConfig;
      problem: ProblemEntry;
      round: SampleRound;
      testsRef: ContentRef;
      scope: ProblemScope;
    }): Promise<RefineRoundRecord> {
      const problem = await loadProblem(input.problem.ref);
      const tests = await loadTests(input.testsRef);
      const code = input.round.codeRef ? await deps.store.getText(input.round.codeRef) : "";
      const outcomes = await onGeneratedTests(
        problem,
        input.config,
        code,
        tests,
        activityPayer(input.scope, problem.id),
      );
      const { state, newAnchors } = absorbStatuses(
        startRefineState(tests.length),
        outcomes.map((o) => o.status),
      );
      const lines = anchorLines(problem, state.anchors, newAnchors, outcomes);
      return {
        testsRef: input.testsRef,
        ...(lines ? { feedbackRef: await deps.store.putText(lines) } : {}),
        ...state,
      };
    },

    /**
     * One refine round: the debugger sees the kept rounds' trace and the first failing generated
     * test; its program is accepted only if it passes every public test, every anchor and the
     * targeted test. Either way the target is popped. A rolled-back round keeps no `codeRef`.
     */
    async refineAgainstTest(input: {
      config: RunConfig;
      problem: ProblemEntry;
      sampleIndex: number;
      history: SampleRound[];
      /** The sample's refinement as of its latest round. */
      refine: RefineRoundRecord;
      scope: ProblemScope;
    }): Promise<{ round: SampleRound; usage: UsageByStage }> {
      const { config, history } = input;
      const problem = await loadProblem(input.problem.ref);
      const tests = await loadTests(input.refine.testsRef);
      const state: RefineState = {
        anchors: input.refine.anchors,
        remaining: input.refine.remaining,
        discarded: input.refine.discarded,
      };
      const target = refineTarget(state);
      const kept = history.filter((r) => r.codeRef).at(-1);
      if (target === undefined || !kept?.codeRef)
        throw ApplicationFailure.nonRetryable("refineAgainstTest: no generated test left to target");
      const payer = activityPayer(input.scope, problem.id);
      // The kept program's run (already made when its statuses were taken: the execution cache answers).
      const keptOutcomes = await onGeneratedTests(
        problem,
        config,
        await deps.store.getText(kept.codeRef),
        tests,
        payer,
      );
      const targetLine = feedbackLine(
        generatedTestNumber(problem.publicTests.length, state.anchors.length),
        keptOutcomes[target]?.message ?? "",
      );
      const question = questionText(problem, config.roles.generator.showStarterCode);
      const trace = refinementTrace(question, await tracedRounds(history), targetLine, {
        context: config.budget.context,
        includeReasoning: config.budget.includeReasoning,
      });
      const roundIndex = history.length;
      const attempt = await debugRound(
        input,
        problem,
        selfDebugMessages(trace),
        `sample${input.sampleIndex}:round${roundIndex}:target${target}`,
      );
      const tried = attempt.round;
      const outcomes = await onGeneratedTests(
        problem,
        config,
        tried.codeRef ? await deps.store.getText(tried.codeRef) : "",
        tests,
        payer,
      );
      const statuses = outcomes.map((o) => o.status);
      const verdict = judgeRefineRound({
        publicPassed: tried.publicPassed,
        publicTotal: tried.publicTotal,
        statuses,
        state,
        target,
      });
      const next = afterRefineRound(state, target, verdict, statuses);
      if (verdict.accepted) {
        // The kept round's trace: the earlier anchors' messages on the new program, then the new anchors'.
        const lines =
          anchorLines(problem, next.state.anchors, state.anchors, outcomes) +
          anchorLines(problem, next.state.anchors, next.newAnchors, outcomes);
        return {
          round: {
            ...tried,
            refine: {
              testsRef: input.refine.testsRef,
              target,
              accepted: true,
              ...(lines ? { feedbackRef: await deps.store.putText(lines) } : {}),
              ...next.state,
            },
          },
          usage: attempt.usage,
        };
      }
      const { codeRef, ...rolledBack } = tried;
      return {
        round: {
          ...rolledBack,
          refine: {
            testsRef: input.refine.testsRef,
            target,
            accepted: false,
            rollback: verdict.rollback,
            ...(codeRef ? { attemptCodeRef: codeRef } : {}),
            ...next.state,
          },
        },
        usage: attempt.usage,
      };
    },
  };

  /** Asks the debugger once (re-asking as configured) and tests its program on the public tests. */
  async function debugRound(
    input: { config: RunConfig; history: SampleRound[]; scope: ProblemScope },
    problem: Problem,
    messages: ChatMessage[],
    key: string,
  ): Promise<{ round: SampleRound; usage: UsageByStage }> {
    const { config } = input;
    const round = input.history.length;
    const payer = activityPayer(input.scope, problem.id);
    const usage: UsageByStage = {};
    let roundUsage: StageUsage = NO_USAGE;
    const add = (stage: "refine" | "reask", u: StageUsage) => {
      usage[stage] = addStageUsage(usage[stage] ?? NO_USAGE, u);
      roundUsage = addStageUsage(roundUsage, u);
    };
    try {
      const call = await callRole(deps.llm, config, "debugger", "refine", problem.id, messages, [key], payer);
      add("refine", call.usage);
      // Debug answers always use the DSPy layout: the reference debugged through DSPy on every path.
      const result = await rounds.fromAnswer(
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
            "reask",
            problem.id,
            messages,
            [`${key}:retry${attempt}`],
            payer,
          );
          add("reask", again.usage);
          return again.texts[0] ?? "";
        },
        (config.roles.debugger ?? config.roles.generator).parseRetries,
        { ...payer, stage: "refine" },
      );
      return { round: { ...result, usage: roundUsage }, usage };
    } catch (err) {
      permanent(err);
    }
  }
}

/**
 * A program's result on one generated test, in the reference's terms: passed when its output
 * equals the predicted one; the message as the debugger reads it (feedbackMessage).
 */
function generatedTestOutcome(
  test: RunnableTest,
  result: ExecutionResult,
  index: number,
  kind: Problem["kind"],
): GeneratedTestOutcome {
  const r = result.tests[index];
  const killed =
    r?.outcome === "time_limit" || r?.outcome === "memory_limit" || r?.outcome === "output_limit";
  const error = result.compileError
    ? lastLine(result.compileError)
    : r === undefined
      ? (result.loadFailure ?? "not run")
      : r.outcome === "runtime_error"
        ? lastLine(r.error ?? "runtime error")
        : r.outcome === "ok" || killed
          ? undefined
          : r.outcome;
  const output = r?.output?.trim();
  const passed = !killed && error === undefined && agreesWithPrediction(output ?? "", test.predicted, kind);
  const message = feedbackMessage({
    input: test.input,
    expected: test.predicted ?? "",
    output,
    error,
    killed,
    passed,
  });
  return {
    status: generatedTestStatus({ passed, message, hasPrediction: test.predicted !== undefined }),
    message,
  };
}

function lastLine(text: string): string {
  return (
    text
      .trim()
      .split("\n")
      .filter((l) => l.trim())
      .at(-1) ?? text
  ).trim();
}
