import type { RefineRollback, RefineRoundRecord } from "./pipeline-records";
import { type DebugRound, debugTrace } from "./prompts";

/**
 * The decisions of refinement against generated tests (`budget.selfDebugDecision: refine`, the
 * reference's `--selfdebug_decision refine`, method doc §2.3; docs/refine-decision.md), pure:
 * which generated tests become anchors, which are set aside, which one a round targets, whether a
 * round's program is accepted, and the trace the debugger is shown.
 */

/** A program on one generated test: it matches the predicted output, does not, or the test is bad. */
export type GeneratedTestStatus = "pass" | "fail" | "bad";

/** Where a sample's refinement stands: generated-test indices (see RefineRoundRecord). */
export type RefineState = Pick<RefineRoundRecord, "anchors" | "remaining" | "discarded">;

/** The reference's mark of a test written for another signature than the program's. */
export const BAD_TEST_ERROR = "required positional argument";

/** A test's status from its run: bad when it cannot be passed as written, else whether it passed. */
export function generatedTestStatus(input: {
  passed: boolean;
  /** The test's message (the feedback line's text, which holds the error a run raised). */
  message: string;
  hasPrediction: boolean;
}): GeneratedTestStatus {
  if (!input.hasPrediction || input.message.includes(BAD_TEST_ERROR)) return "bad";
  return input.passed ? "pass" : "fail";
}

/** Before the first look at the generated tests: every test still to try, in order. */
export function startRefineState(testCount: number): RefineState {
  return { anchors: [], remaining: Array.from({ length: testCount }, (_, i) => i), discarded: [] };
}

/**
 * The reference's `maybe_iterate_single_generated_test`: the remaining tests seen through the kept
 * program's statuses. Bad tests are set aside, passed ones become anchors (in order, after the
 * existing ones), the failing ones stay in order. `newAnchors` are the ones to show in the trace.
 */
export function absorbStatuses(
  state: RefineState,
  statuses: readonly GeneratedTestStatus[],
): { state: RefineState; newAnchors: number[] } {
  const anchors = [...state.anchors];
  const discarded = [...state.discarded];
  const remaining: number[] = [];
  const newAnchors: number[] = [];
  for (const test of state.remaining) {
    const status = statuses[test] ?? "fail";
    if (status === "bad") discarded.push(test);
    else if (status === "pass") {
      anchors.push(test);
      newAnchors.push(test);
    } else remaining.push(test);
  }
  return { state: { anchors, remaining, discarded }, newAnchors };
}

/** The test the next round tries to fix: the first failing one; undefined when none is left. */
export function refineTarget(state: RefineState): number | undefined {
  return state.remaining[0];
}

export type RefineVerdict = { accepted: true } | { accepted: false; rollback: RefineRollback };

/**
 * A refine round's program is accepted only if it still passes every public test (when there are
 * any), every anchor, and now the targeted test.
 */
export function judgeRefineRound(input: {
  publicPassed: number;
  publicTotal: number;
  /** The new program's status on every generated test. */
  statuses: readonly GeneratedTestStatus[];
  state: RefineState;
  target: number;
}): RefineVerdict {
  const { statuses } = input;
  if (input.publicTotal > 0 && input.publicPassed !== input.publicTotal)
    return { accepted: false, rollback: "public_regressed" };
  if (input.state.anchors.some((a) => statuses[a] !== "pass"))
    return { accepted: false, rollback: "anchor_broken" };
  if (statuses[input.target] !== "pass") return { accepted: false, rollback: "target_failed" };
  return { accepted: true };
}

/**
 * The state after a refine round. The target is popped either way, so each test gets one attempt.
 * Accepted: it becomes an anchor, and the remaining tests are seen through the new program (some
 * may pass now). Rolled back: the kept program is the one whose statuses made the state, so
 * nothing else changes (its executions are cached: running it again gives the same statuses).
 */
export function afterRefineRound(
  state: RefineState,
  target: number,
  verdict: RefineVerdict,
  statuses: readonly GeneratedTestStatus[],
): { state: RefineState; newAnchors: number[] } {
  const popped: RefineState = { ...state, remaining: state.remaining.filter((t) => t !== target) };
  if (!verdict.accepted) return { state: popped, newAnchors: [] };
  return absorbStatuses({ ...popped, anchors: [...popped.anchors, target] }, statuses);
}

/**
 * The `[Test k - ]` number of a generated test's line: after the public tests, the anchors in
 * order (the reference counts `len(extracted_tests) + len(anchors)`; see docs/refine-decision.md).
 */
export function generatedTestNumber(publicCount: number, anchorPosition: number): number {
  return publicCount + anchorPosition;
}

/** One feedback line, in the reference's layout (`feedbackMessage` gives the message). */
export function feedbackLine(testNumber: number, message: string): string {
  return `[Test ${testNumber} - ]${message}\n`;
}

/** A kept round as the refinement trace shows it: its public feedback, then its anchors' lines. */
export interface RefineTracedRound extends DebugRound {
  generatedFeedback?: string;
}

/**
 * The debugger's prompt in refinement: the trace of the kept rounds (the question, then each kept
 * round's reasoning, code, and public feedback followed by its anchors' lines), then the targeted
 * test's line. A rolled-back round is not in it: the trace returns to its checkpoint.
 */
export function refinementTrace(
  question: string,
  rounds: readonly RefineTracedRound[],
  targetLine: string,
  options: { context: "all" | "last"; includeReasoning: boolean },
): string {
  const traced = rounds.map((r) => ({ ...r, feedback: r.feedback + (r.generatedFeedback ?? "") }));
  return debugTrace(question, traced, options) + targetLine;
}
