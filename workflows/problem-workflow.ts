import { patched } from "@temporalio/workflow";
import { type WaveDecision, waveDecision, waveSize } from "../method/adaptive-budget";
import { ProblemCapCheck, selectionCallsLlm } from "../method/budget-caps";
import { dedupePrograms } from "../method/clustering";
import {
  type AdaptiveOutcome,
  addStageUsage,
  type MethodResult,
  mergeUsage,
  methodLabel,
  type ProblemOutcome,
  type SampleHistory,
  type SampleRound,
  type SelectionCandidateRef,
  type StageUsage,
  type UsageByStage,
} from "../method/pipeline-records";
import { budgetPoints, payingPoint } from "../method/sweep-grid";
import { budgetSettingLabel, runBudgetSetting } from "../spend/budget-setting";
import type { ContentRef } from "../store/content-store";
import { pipelineActivities } from "./pipeline-activities-proxy";
import type { ProblemWorkflowInput } from "./pipeline-types";
import { sampleRefinement } from "./sample-refinement";

const llm = pipelineActivities("1 hour");
const quick = pipelineActivities("30 minutes");

/**
 * The final candidates' distinct programs, each with every sample that wrote it (its multiplicity).
 * Identical programs share a content ref, so they are executed and judged once: the execution memo
 * and the response cache (identical prompts) see to it.
 */
function distinctPrograms(candidates: SelectionCandidateRef[]): { codeRef: ContentRef; samples: number[] }[] {
  return dedupePrograms(candidates.map((c) => c.codeRef)).map(({ representative, members }) => ({
    codeRef: (candidates[representative] as SelectionCandidateRef).codeRef,
    samples: members.map((m) => (candidates[m] as SelectionCandidateRef).index),
  }));
}

const passedPublic = (r: SampleRound | undefined) =>
  !!r && r.publicTotal > 0 && r.publicPassed === r.publicTotal;

/** The sample's program as of a round: the latest round at or before it that has code. */
function codeAsOf(history: SampleHistory, round: number): SampleRound | undefined {
  return history.rounds.filter((r) => r.round <= round && r.codeRef).at(-1);
}

/**
 * One problem through S*: generate N, refine each sample against the public tests, select with
 * every configured method, then grade the selected programs and every sample's program of every
 * round on the hidden tests (so oracle pass@N per round comes from the same run).
 */
export async function problemWorkflow(input: ProblemWorkflowInput): Promise<ProblemOutcome> {
  const { config, problem } = input;
  // Who pays for the problem's spend: every activity records its LLM responses and sandbox batches under it.
  // In a sweep, the smallest setting pays for the batched generation (it holds sample 0) and for grading.
  const sweepGrid = input.sweepGrid;
  const scope = {
    runId: input.runId,
    budgetSetting: sweepGrid
      ? budgetSettingLabel(budgetPoints(sweepGrid)[0] ?? config.budget)
      : runBudgetSetting(config),
  };
  // ... and a debug round is paid by the smallest setting that uses it (method/sweep-grid.ts).
  const refineScope = (sample: number, round: number) => {
    const point = sweepGrid && payingPoint(sweepGrid, sample, round);
    return point ? { runId: input.runId, budgetSetting: budgetSettingLabel(point) } : scope;
  };
  // A rerun of a run with errored problems retries only those: a finished problem's outcome stands.
  if (input.reuseFinished && !sweepGrid && patched("stored-outcome")) {
    const stored = await quick.storedOutcome({ resultsDir: input.resultsDir, problemId: problem.id });
    if (stored) return stored;
  }
  let usage: UsageByStage = {};
  const caps = new ProblemCapCheck(config.budget.caps, input.capRates ?? {}, input.runCap);

  // Stage 1b: each sample debugs independently until it passes its public tests or runs out of rounds;
  // with `refine` it then goes on against generated tests (workflows/sample-refinement.ts).
  const refinement =
    config.budget.selfDebugDecision === "refine"
      ? sampleRefinement({
          config,
          problem,
          caps,
          usage: () => usage,
          addUsage: (u) => {
            usage = mergeUsage(usage, u);
          },
          scope,
          refineScope,
        })
      : undefined;
  const refineSample = async (history: SampleHistory) => {
    if (refinement) return refinement.refine(history);
    for (let round = 1; round < config.budget.rounds; round++) {
      const last = history.rounds.at(-1);
      // An unparsable sample is abandoned (as the reference does); a passing one stops.
      if (!last?.codeRef || last.parseError !== undefined || passedPublic(last)) break;
      // A reached spend cap (the problem's, or the run's passed in at its start) ends refinement.
      if (caps.check(usage, "refine", round)) break;
      const refined = await llm.refineSample({
        config,
        problem,
        sampleIndex: history.index,
        history: history.rounds,
        scope: refineScope(history.index, round),
      });
      usage = mergeUsage(usage, refined.usage);
      history.rounds.push(refined.round);
    }
  };

  const lastRound = config.budget.rounds - 1;
  const finalCandidatesOf = (histories: SampleHistory[]): SelectionCandidateRef[] =>
    histories.flatMap((h) => {
      const r = codeAsOf(h, lastRound);
      return r?.codeRef
        ? [
            {
              index: h.index,
              codeRef: r.codeRef,
              publicScore: r.publicTotal ? r.publicPassed / r.publicTotal : 0,
            },
          ]
        : [];
    });

  const histories: SampleHistory[] = [];
  let generationShared: StageUsage | undefined;
  let adaptive: AdaptiveOutcome | undefined;
  if (config.budget.policy !== "adaptive") {
    // Stage 1a: N samples in one step (the activity asks for `n` where the endpoint supports it).
    const generated = await llm.generateSamples({ config, problem, scope });
    usage = mergeUsage(usage, generated.usage);
    generationShared = generated.shared;
    histories.push(...generated.rounds.map((round, index) => ({ index, rounds: [round] })));
    await Promise.all(histories.map(refineSample));
  } else {
    // The adaptive policy: waves of samples, each drawn and debugged, until the evidence is settled.
    const budget = config.budget.n;
    const wave = waveSize(config.budget.wave, budget);
    let next = wave;
    let waves = 0;
    const judgeWave = async (): Promise<WaveDecision> => {
      const candidates = finalCandidatesOf(histories);
      const evidence = await quick.waveClusters({ config, problem, candidates, scope });
      usage = mergeUsage(usage, evidence.usage);
      return waveDecision(
        {
          drawn: histories.length,
          budget,
          publicPassing: candidates.filter((c) => c.publicScore === 1).length,
          passingClusters: evidence.passingClusters,
          bestPublicScore: Math.max(0, ...candidates.map((c) => c.publicScore)),
        },
        wave,
      );
    };
    for (;;) {
      const generated = await llm.generateSamples({
        config,
        problem,
        scope,
        first: histories.length,
        count: next,
      });
      usage = mergeUsage(usage, generated.usage);
      generationShared = generationShared
        ? addStageUsage(generationShared, generated.shared)
        : generated.shared;
      const fresh = generated.rounds.map((round, i) => ({ index: histories.length + i, rounds: [round] }));
      histories.push(...fresh);
      waves++;
      // A wave whose first answers already settle the problem skips its debug rounds: they could only
      // add public-passing samples to evidence that needs none (patched: earlier runs replay without it).
      const needsDebug = fresh.some((h) => {
        const first = h.rounds[0];
        return first?.codeRef && first.parseError === undefined && !passedPublic(first);
      });
      let decision: WaveDecision | undefined;
      if (needsDebug && config.budget.rounds > 1 && patched("adaptive-settle-before-debug")) {
        const early = await judgeWave();
        if (early.stop && early.reason === "settled")
          decision = { ...early, detail: `${early.detail}, before the last wave's debug rounds` };
      }
      if (!decision) {
        await Promise.all(fresh.map(refineSample));
        decision = await judgeWave();
      }
      if (decision.stop) {
        adaptive = {
          samplesDrawn: histories.length,
          samplesBudget: budget,
          waves,
          stop: decision.reason,
          detail: decision.detail,
        };
        break;
      }
      next = decision.next;
    }
  }

  const finalCandidates = finalCandidatesOf(histories);

  // Stage 2: every configured selection method, one after another so they share generated tests.
  const selections: { label: string; selected: number | null; reason: string; recordRef: ContentRef }[] = [];
  for (const method of config.selection) {
    if (method.method === "oracle") continue;
    // Past a cap with `skip_tournament`, a method that would call the LLM selects by public tests instead.
    const cap = selectionCallsLlm(method) ? caps.check(usage, "select") : undefined;
    const skip = cap?.action === "skip_tournament";
    const result = await llm.selectCandidate({
      config,
      problem,
      method: skip ? { method: "first" } : method,
      candidates: finalCandidates,
      scope,
    });
    usage = mergeUsage(usage, result.usage);
    selections.push({
      label: methodLabel(method),
      selected: result.selected,
      reason: skip
        ? `${cap.scope} ${cap.cap} cap reached (${cap.value} of ${cap.limit}): ${result.reason}`
        : result.reason,
      recordRef: result.recordRef,
    });
  }

  // Grading: every program of every round (deduplicated by content), which covers every selection.
  const byRound = Array.from({ length: config.budget.rounds }, (_, round) =>
    histories.map((h) => codeAsOf(h, round)?.codeRef).filter((ref): ref is ContentRef => ref !== undefined),
  );
  const verdicts = await quick.gradePrograms({
    config,
    problem,
    codeRefs: [...new Set(byRound.flat())],
    scope,
  });
  const finalRef = (index: number | null) => finalCandidates.find((c) => c.index === index)?.codeRef;
  const n = histories.length;
  const judged = (grades: Record<string, boolean>) => {
    const passes = (ref: ContentRef | undefined) => (ref ? grades[ref] === true : false);
    return {
      methods: selections.map((s) => passes(finalRef(s.selected))),
      oracleByRound: byRound.map((refs) => refs.some(passes)),
      correctByRound: byRound.map((refs) => refs.filter(passes).length / n),
    };
  };
  const main = judged(verdicts);
  // The same programs under each further grader (e.g. the reference's beside LiveCodeBench's).
  const alsoGraded: NonNullable<ProblemOutcome["alsoGraded"]> = {};
  for (const grader of (config.alsoGrade ?? []).filter((g) => g !== config.grader)) {
    const grades = await quick.gradePrograms({
      config,
      problem,
      codeRefs: [...new Set(byRound.flat())],
      scope,
      grader,
    });
    const other = judged(grades);
    alsoGraded[grader] = {
      methods: Object.fromEntries(selections.map((s, i) => [s.label, other.methods[i] === true])),
      oracleByRound: other.oracleByRound,
      correctByRound: other.correctByRound,
    };
  }

  const methods: MethodResult[] = selections.map((s, i) => ({
    label: s.label,
    selected: s.selected,
    passed: main.methods[i] === true,
    reason: s.reason,
    recordRef: s.recordRef,
  }));
  const finalRounds = histories.map((h) => codeAsOf(h, lastRound));
  const outcome: Omit<ProblemOutcome, "recordRef"> = {
    problemId: problem.id,
    difficulty: problem.difficulty,
    samples: n,
    rounds: config.budget.rounds,
    methods,
    oracleByRound: main.oracleByRound,
    correctByRound: main.correctByRound,
    usage,
    unparsable: finalRounds.filter((r) => r?.parseError !== undefined).length,
    noEntryPoint: finalRounds.filter((r) => r?.noEntryPoint === true).length,
    ...(Object.keys(alsoGraded).length ? { alsoGraded } : {}),
    ...(caps.reached ? { capped: caps.reached } : {}),
    ...(adaptive ? { adaptive } : {}),
  };
  const recordRef = await quick.writeProblemResult({
    resultsDir: input.resultsDir,
    outcome,
    scope,
    record: {
      problem,
      histories,
      // The batched generation's prompt and request, which no single sample owns (for sweeps).
      generationShared,
      finalCandidates,
      distinctPrograms: distinctPrograms(finalCandidates),
      selections,
      verdicts,
      outcome,
    },
  });
  return { ...outcome, recordRef };
}
