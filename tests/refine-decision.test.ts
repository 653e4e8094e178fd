import { describe, expect, it } from "vitest";
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

const s = (text: string) =>
  [...text].map((c) => ({ p: "pass", f: "fail", b: "bad" })[c] as GeneratedTestStatus);

describe("a generated test's status", () => {
  it("is bad when its error mentions a required positional argument, or it predicts nothing", () => {
    const message =
      "For test input: {'x': 1}. Expected output is: 2, but got error: TypeError: f() missing 1 required positional argument: 'y'.";
    expect(generatedTestStatus({ passed: false, message, hasPrediction: true })).toBe("bad");
    expect(generatedTestStatus({ passed: false, message: "…", hasPrediction: false })).toBe("bad");
    expect(generatedTestStatus({ passed: true, message: "… correctly passes …", hasPrediction: true })).toBe(
      "pass",
    );
    expect(generatedTestStatus({ passed: false, message: "… but got: 3.", hasPrediction: true })).toBe(
      "fail",
    );
  });
});

describe("entering refinement", () => {
  it("makes passed tests anchors, sets bad ones aside and keeps the failing ones in order", () => {
    const { state, newAnchors } = absorbStatuses(startRefineState(6), s("pfbfpf"));
    expect(state).toEqual({ anchors: [0, 4], remaining: [1, 3, 5], discarded: [2] });
    expect(newAnchors).toEqual([0, 4]);
    expect(refineTarget(state)).toBe(1);
  });

  it("has nothing to target when every test passes or is bad", () => {
    const { state } = absorbStatuses(startRefineState(3), s("pbp"));
    expect(refineTarget(state)).toBeUndefined();
    expect(refineTarget(absorbStatuses(startRefineState(0), []).state)).toBeUndefined();
  });
});

describe("a refine round's verdict", () => {
  const state: RefineState = { anchors: [0, 2], remaining: [1, 3], discarded: [] };
  const judge = (statuses: string, publicPassed = 3, publicTotal = 3) =>
    judgeRefineRound({ publicPassed, publicTotal, statuses: s(statuses), state, target: 1 });

  it("accepts a program that keeps the public tests and the anchors and fixes the target", () => {
    expect(judge("pppf")).toEqual({ accepted: true });
  });

  it("rolls back on a public regression first, then a broken anchor, then a target still failing", () => {
    expect(judge("fffp", 2, 3)).toEqual({ accepted: false, rollback: "public_regressed" });
    expect(judge("ppbf")).toEqual({ accepted: false, rollback: "anchor_broken" });
    expect(judge("fpfp")).toEqual({ accepted: false, rollback: "anchor_broken" });
    expect(judge("pfpp")).toEqual({ accepted: false, rollback: "target_failed" });
  });

  it("does not ask for public accuracy when the problem has no public tests", () => {
    expect(judge("ppp", 0, 0)).toEqual({ accepted: true });
  });
});

describe("after a refine round", () => {
  const state: RefineState = { anchors: [0], remaining: [1, 3, 4], discarded: [2] };

  it("pops the target when it rolls back, and changes nothing else", () => {
    const next = afterRefineRound(state, 1, { accepted: false, rollback: "target_failed" }, s("ppppp"));
    expect(next).toEqual({ state: { anchors: [0], remaining: [3, 4], discarded: [2] }, newAnchors: [] });
  });

  it("makes an accepted target an anchor, then sees the remaining tests through the new program", () => {
    const next = afterRefineRound(state, 1, { accepted: true }, s("ppbbp"));
    expect(next.state).toEqual({ anchors: [0, 1, 4], remaining: [], discarded: [2, 3] });
    expect(next.newAnchors).toEqual([4]);
  });

  it("gives each test one attempt and stops when none is left", () => {
    let current: RefineState = absorbStatuses(startRefineState(4), s("ffff")).state;
    const targets: number[] = [];
    for (let round = 1; round < 10; round++) {
      const target = refineTarget(current);
      if (target === undefined) break;
      targets.push(target);
      // Only round 2's program fixes its target; the later ones break that new anchor.
      const statuses = round === 2 ? s("fpff") : s("ffff");
      const verdict = judgeRefineRound({ publicPassed: 1, publicTotal: 1, statuses, state: current, target });
      current = afterRefineRound(current, target, verdict, statuses).state;
    }
    expect(targets).toEqual([0, 1, 2, 3]);
    expect(current).toEqual({ anchors: [1], remaining: [], discarded: [] });
  });
});

describe("the refinement trace", () => {
  it("shows the kept rounds with their anchors' lines, then the targeted test, numbered after the public tests", () => {
    const anchorLine = feedbackLine(generatedTestNumber(2, 0), "For test input: 5. Expected output is: 6, …");
    const targetLine = feedbackLine(
      generatedTestNumber(2, 1),
      "For test input: 7. Expected output is: 8, but got: 9.",
    );
    const trace = refinementTrace(
      "Q",
      [
        { reasoning: "r0", code: "c0", feedback: "[Test 0 - ]fail\n" },
        {
          reasoning: "r1",
          code: "c1",
          feedback: "[Test 0 - ]ok\n[Test 1 - ]ok\n",
          generatedFeedback: anchorLine,
        },
      ],
      targetLine,
      { context: "all", includeReasoning: true },
    );
    expect(trace).toBe(
      "Q" +
        "\n [Round 0 Reasoning]: r0 \n\n [Round 0 Generated code]: c0 \n[Round 0 Test Feedback]: [Test 0 - ]fail\n" +
        "\n [Round 1 Reasoning]: r1 \n\n [Round 1 Generated code]: c1 \n[Round 1 Test Feedback]: [Test 0 - ]ok\n[Test 1 - ]ok\n" +
        "[Test 2 - ]For test input: 5. Expected output is: 6, …\n" +
        "[Test 3 - ]For test input: 7. Expected output is: 8, but got: 9.\n",
    );
    const last = refinementTrace("Q", [{ code: "c1", feedback: "f\n", generatedFeedback: "a\n" }], "t\n", {
      context: "last",
      includeReasoning: false,
    });
    expect(last).toBe("Q\n [Round 0 Generated code]: c1 \n[Round 0 Test Feedback]: f\na\nt\n");
  });
});
