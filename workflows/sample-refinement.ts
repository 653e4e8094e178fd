import type { RunConfig } from "../config/run-config";
import type { ProblemCapCheck } from "../method/budget-caps";
import type {
  ProblemEntry,
  RefineRoundRecord,
  SampleHistory,
  SampleRound,
  UsageByStage,
} from "../method/pipeline-records";
import type { ProblemScope } from "../spend/spend-recorder";
import type { ContentRef } from "../store/content-store";
import { pipelineActivities } from "./pipeline-activities-proxy";

const llm = pipelineActivities("1 hour");

const passedPublic = (r: SampleRound | undefined) =>
  !!r && r.publicTotal > 0 && r.publicPassed === r.publicTotal;

/** What a problem's samples share while they refine: its spend, its caps and who pays. */
export interface SampleRefinementContext {
  config: RunConfig;
  problem: ProblemEntry;
  caps: ProblemCapCheck;
  /** The problem's spend so far, and how a step adds to it. */
  usage: () => UsageByStage;
  addUsage: (usage: UsageByStage) => void;
  /** Pays for the problem's generated tests (asked once, whichever sample needs them first). */
  scope: ProblemScope;
  /** Pays for sample `sample`'s round `round` (in a sweep, the smallest setting that uses it). */
  refineScope: (sample: number, round: number) => ProblemScope;
}

/**
 * Stage 1b with `budget.selfDebugDecision: refine` (the reference's `--selfdebug_decision refine`,
 * method doc §2.3, docs/refine-decision.md): each sample debugs on its public tests as with `exit`;
 * once it passes them all it goes on refining against the problem's generated tests, one failing
 * test per round, keeping a round's program only if it breaks nothing and fixes its target.
 * Orchestration only: the activities run, ask and decide (method/refine-decision.ts).
 */
export function sampleRefinement(ctx: SampleRefinementContext) {
  const { config, problem } = ctx;
  // One test generation per problem, asked by the first sample that enters refinement.
  let tests: Promise<{ testsRef: ContentRef; count: number }> | undefined;
  const generatedTests = () => {
    tests ??= llm.prepareGeneratedTests({ config, problem, scope: ctx.scope }).then((prepared) => {
      ctx.addUsage(prepared.usage);
      return prepared;
    });
    return tests;
  };

  /** Refines one sample in place: its rounds are appended to (and its entering round annotated). */
  async function refine(history: SampleHistory): Promise<void> {
    let refining: RefineRoundRecord | undefined;
    for (let round = 1; round < config.budget.rounds; round++) {
      const last = history.rounds.at(-1);
      // An unparsable sample is abandoned (as the reference does).
      if (!refining && (!last?.codeRef || last.parseError !== undefined)) break;
      // Every generated test has had its attempt (or passes, or was set aside).
      if (refining && refining.remaining.length === 0) break;
      // A reached spend cap (the problem's, or the run's passed in at its start) ends refinement.
      if (ctx.caps.check(ctx.usage(), "refine", round)) break;
      const scope = ctx.refineScope(history.index, round);
      if (!refining && last && passedPublic(last)) {
        // It passes every public test: its program on the generated tests gives anchors and targets.
        const { testsRef } = await generatedTests();
        refining = await llm.startRefinement({ config, problem, round: last, testsRef, scope });
        history.rounds[history.rounds.length - 1] = { ...last, refine: refining };
        if (refining.remaining.length === 0) break;
      }
      const step = refining
        ? await llm.refineAgainstTest({
            config,
            problem,
            sampleIndex: history.index,
            history: history.rounds,
            refine: refining,
            scope,
          })
        : await llm.refineSample({
            config,
            problem,
            sampleIndex: history.index,
            history: history.rounds,
            scope,
          });
      ctx.addUsage(step.usage);
      history.rounds.push(step.round);
      if (step.round.refine) refining = step.round.refine;
    }
  }

  return { refine };
}
