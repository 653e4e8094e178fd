import { describe, expect, it } from "vitest";
import { dedupePrograms } from "../method/clustering";
import { SeededRandom } from "../method/seeded-random";
import {
  type JudgeChoice,
  judgmentPoints,
  type SelectionCandidate,
  type SelectionTools,
  selectByCodeOnlyJudge,
  selectByCodeOnlyJudgeOverPassing,
  selectByGeneratedTests,
  selectByMajorityVote,
  selectByTestAwareJudge,
  selectByTestResultVote,
  selectByTimeoutTests,
  selectFirst,
  selectSstarAlgorithm1,
  selectSstarRef,
} from "../method/selection";

/** Tools over fixed outputs; the judge prefers the candidate listed in `truth` (when either is). */
function fakeTools(
  outputs: Record<number, string[]>,
  truth: Set<number>,
  calls: string[] = [],
): SelectionTools {
  const judge = (a: number, b: number): [JudgeChoice, JudgeChoice] => {
    if (truth.has(a) && !truth.has(b)) return [0, 1];
    if (truth.has(b) && !truth.has(a)) return [1, 0];
    return [2, 2];
  };
  return {
    generatedTestCount: async () => {
      calls.push("tests");
      return Object.values(outputs)[0]?.length ?? 0;
    },
    outputsOnGeneratedTests: async (cs) => new Map(cs.map((c) => [c, outputs[c] ?? []])),
    matchesPredicted: async (cs) => new Map(cs.map((c) => [c, (outputs[c] ?? []).map((o) => o === "right")])),
    // Candidates whose outputs include "slow" are the ones that time out on the large inputs.
    timeoutSurvivors: async (cs) => {
      const fast = cs.filter((c) => !(outputs[c] ?? []).includes("slow"));
      return fast.length > 0 ? fast : cs;
    },
    adaptiveJudgment: async (a, b) => {
      calls.push(`match ${a} ${b}`);
      return judge(a, b);
    },
    testAwareJudgment: async (a, b) => judge(a, b),
    codeOnlyJudgment: async (a, b) => {
      calls.push(`code ${a} ${b}`);
      return judge(a, b);
    },
    oneOrderJudgment: async (a, b) => {
      calls.push(`one ${a} ${b}`);
      return judge(a, b)[0] === 1 ? 1 : 0;
    },
    // The right output is the one produced by a candidate in `truth`; none: the test is broken.
    testResultChoice: async (t, reps) => {
      calls.push(`pick ${t} ${reps.join(",")}`);
      return reps.findIndex((c) => truth.has(c));
    },
    rng: new SeededRandom("test"),
  };
}

const passing = (n: number): SelectionCandidate[] =>
  Array.from({ length: n }, (_, index) => ({ index, publicScore: 1 }));

describe("judgmentPoints", () => {
  it("scores consistent verdicts, half-points for a double tie, nothing otherwise", () => {
    expect(judgmentPoints([0, 1])).toEqual([1, 0]);
    expect(judgmentPoints([1, 0])).toEqual([0, 1]);
    expect(judgmentPoints([2, 2])).toEqual([0.5, 0.5]);
    expect(judgmentPoints([0, 0])).toEqual([0, 0]);
    expect(judgmentPoints([undefined, 1])).toEqual([0, 0]);
  });
});

describe("S* selection, reference mode", () => {
  it("clusters per test, plays every cross-cluster pair and credits the winning cluster's members", async () => {
    const outputs = { 0: ["1", "a"], 1: ["2", "a"], 2: ["2", "b"] };
    const outcome = await selectSstarRef(passing(3), fakeTools(outputs, new Set([1])), "lowest-index");
    expect(outcome.selected).toBe(1);
    expect(outcome.clusters).toEqual([
      [[0], [1, 2]],
      [[0, 1], [2]],
    ]);
    // Test 0: cluster {1,2} beats {0} (1 win vs 0, 1-0 tie counted 0.5): members 1 and 2 score. Test 1: {0,1} beats {2}.
    expect(outcome.scores).toEqual({ 0: 1, 1: 2, 2: 1 });
  });

  it("drops error outputs before clustering and skips tests with one cluster", async () => {
    const outputs = { 0: ["Error: boom", "x"], 1: ["5", "x"], 2: ["5", "x"] };
    const calls: string[] = [];
    const outcome = await selectSstarRef(passing(3), fakeTools(outputs, new Set([1]), calls), "lowest-index");
    expect(calls.filter((c) => c.startsWith("match"))).toEqual([]);
    expect(outcome.reason).toBe("no sample scored: code-only judge fallback");
    expect(outcome.selected).toBe(1);
  });

  it("returns the first best public sample when none passes, after the test-generation call", async () => {
    const calls: string[] = [];
    const candidates = [
      { index: 0, publicScore: 0.5 },
      { index: 1, publicScore: 0.75 },
      { index: 2, publicScore: 0.75 },
    ];
    const outcome = await selectSstarRef(candidates, fakeTools({}, new Set(), calls), "lowest-index");
    expect(outcome).toMatchObject({ selected: 1, reason: "no public-passing sample" });
    expect(calls).toEqual(["tests"]);
  });
});

describe("S* selection, Algorithm 1", () => {
  it("clusters once and plays one representative per cluster pair", async () => {
    const calls: string[] = [];
    const outputs = { 0: ["1", "a"], 1: ["2", "a"], 2: ["2", "a"], 3: ["9", "z"] };
    const outcome = await selectSstarAlgorithm1(
      passing(4),
      fakeTools(outputs, new Set([1, 2]), calls),
      "lowest-index",
    );
    expect(outcome.clusters).toEqual([[[0], [1, 2], [3]]]);
    expect(calls.filter((c) => c.startsWith("match"))).toHaveLength(3);
    expect(outcome.selected).toBe(1);
  });
});

describe("baselines", () => {
  it("majority vote by agreement counts pairwise agreeing outputs over all samples", async () => {
    const candidates = [{ index: 0, publicScore: 0 }, ...passing(4).slice(1)];
    const outputs = { 0: ["1", "1"], 1: ["1", "2"], 2: ["1", "2"], 3: ["3", "3"] };
    const outcome = await selectByMajorityVote(candidates, fakeTools(outputs, new Set()), {
      score: "agreement",
      publicFilter: false,
    });
    expect(outcome.scores).toEqual({ 0: 2, 1: 3, 2: 3, 3: 0 });
    expect(outcome.selected).toBe(1);
    const largest = await selectByMajorityVote(candidates, fakeTools(outputs, new Set()), {
      score: "largest_cluster",
      publicFilter: false,
    });
    expect(largest.selected).toBe(1);
  });

  it("generated tests picks the sample agreeing most with the predicted outputs", async () => {
    const outputs = { 0: ["right", "wrong"], 1: ["right", "right"] };
    expect((await selectByGeneratedTests(passing(2), fakeTools(outputs, new Set()))).selected).toBe(1);
  });

  it("generated tests first keeps the samples that survive the large timeout inputs", async () => {
    const outputs = { 0: ["right", "wrong"], 1: ["right", "right", "slow"], 2: ["right", "wrong"] };
    const outcome = await selectByGeneratedTests(passing(3), fakeTools(outputs, new Set()));
    expect(outcome.scores).toEqual({ 0: 1, 2: 1 });
    expect(outcome.selected).toBe(0);
  });

  it("the test-aware judge keeps error clusters", async () => {
    const outputs = { 0: ["Error: x"], 1: ["5"] };
    const outcome = await selectByTestAwareJudge(
      passing(2),
      fakeTools(outputs, new Set([1])),
      "lowest-index",
    );
    expect(outcome.clusters).toEqual([[[0], [1]]]);
    expect(outcome.selected).toBe(1);
  });

  it("the code-only judge plays a round robin", async () => {
    const calls: string[] = [];
    const outcome = await selectByCodeOnlyJudge(
      [0, 1, 2],
      fakeTools({}, new Set([2]), calls),
      "lowest-index",
    );
    expect(calls).toEqual(["code 0 1", "code 0 2", "code 1 2"]);
    expect(outcome.selected).toBe(2);
  });

  it("the one-order judge: one call per pair over the public-passing samples, the winner scores 1", async () => {
    const calls: string[] = [];
    const candidates = [...passing(4)];
    candidates[1] = { index: 1, publicScore: 0.5 };
    const outcome = await selectByCodeOnlyJudgeOverPassing(
      candidates,
      fakeTools({}, new Set([3]), calls),
      "one",
    );
    expect(calls).toEqual(["one 0 2", "one 0 3", "one 2 3"]);
    // 0 beats 2 (neither right: the fake answers 0), 3 beats both.
    expect(outcome.scores).toEqual({ 0: 1, 2: 0, 3: 2 });
    expect(outcome.selected).toBe(3);
  });

  it("the one-order judge: ties go to the earliest; a tie answer scores nobody; P <= 1 needs no call", async () => {
    const tools = fakeTools({}, new Set(), []);
    tools.oneOrderJudgment = async () => undefined;
    const none = await selectByCodeOnlyJudgeOverPassing(passing(3), tools, "one");
    expect(none.scores).toEqual({ 0: 0, 1: 0, 2: 0 });
    expect(none.selected).toBe(0);
    const calls: string[] = [];
    const one = await selectByCodeOnlyJudgeOverPassing(
      [
        { index: 0, publicScore: 0.5 },
        { index: 1, publicScore: 1 },
      ],
      fakeTools({}, new Set([0]), calls),
      "one",
    );
    expect(one).toMatchObject({ selected: 1, reason: "single public-passing sample" });
    const zero = await selectByCodeOnlyJudgeOverPassing(
      [
        { index: 0, publicScore: 0.2 },
        { index: 1, publicScore: 0.6 },
      ],
      fakeTools({}, new Set([0]), calls),
      "both",
    );
    expect(zero).toMatchObject({ selected: 1, reason: "no public-passing sample" });
    expect(calls).toEqual([]);
  });

  it("the two-order code-only judge runs over the public-passing samples only", async () => {
    const calls: string[] = [];
    const candidates = [{ index: 0, publicScore: 0 }, ...passing(3).slice(1)];
    const outcome = await selectByCodeOnlyJudgeOverPassing(
      candidates,
      fakeTools({}, new Set([2]), calls),
      "both",
    );
    expect(calls).toEqual(["code 1 2"]);
    expect(outcome.selected).toBe(2);
  });

  it("generated_tests_majority_llm: per splitting test, the LLM picks the right output cluster", async () => {
    const calls: string[] = [];
    // Test 0 splits {0,2} from {1}; test 1 does not split; test 2 splits {0}, {1,2} and nobody is right there.
    const outputs = { 0: ["1", "x", "a"], 1: ["2", "x", "b"], 2: ["1", "x", "b"] };
    const outcome = await selectByTestResultVote(passing(3), fakeTools(outputs, new Set([1]), calls));
    expect(calls).toEqual(["tests", "pick 0 0,1", "pick 2 0,1"]);
    expect(outcome.clusters).toEqual([[[0, 2], [1]], [[0, 1, 2]], [[0], [1, 2]]]);
    // Test 0: the cluster of 1 scores; test 2: the cluster {1,2} scores.
    expect(outcome.scores).toEqual({ 0: 0, 1: 2, 2: 1 });
    expect(outcome.selected).toBe(1);
    expect(outcome.brokenTests).toBe(0);
  });

  it("generated_tests_majority_llm: a broken test (-1) is skipped and counted; nobody scoring picks the first", async () => {
    const outputs = { 0: ["1"], 1: ["2"] };
    const outcome = await selectByTestResultVote(passing(2), fakeTools(outputs, new Set(), []));
    expect(outcome).toMatchObject({ selected: 0, brokenTests: 1, scores: { 0: 0, 1: 0 } });
    const single = await selectByTestResultVote(
      [
        { index: 0, publicScore: 0.5 },
        { index: 1, publicScore: 1 },
      ],
      fakeTools(outputs, new Set([0]), []),
    );
    expect(single).toMatchObject({ selected: 1, reason: "single public-passing sample" });
    const untested = await selectByTestResultVote(passing(2), fakeTools({ 0: [], 1: [] }, new Set([1]), []));
    expect(untested).toMatchObject({ selected: 0, reason: "no generated tests" });
  });

  it("first picks the lowest index among the best public scores", () => {
    expect(
      selectFirst([
        { index: 0, publicScore: 0 },
        { index: 1, publicScore: 1 },
        { index: 2, publicScore: 1 },
      ]).selected,
    ).toBe(1);
  });
});

describe("dedupePrograms", () => {
  it("keeps the first of identical programs with every member's index", () => {
    expect(dedupePrograms(["a", "b", "a ", "c", "b"])).toEqual([
      { representative: 0, members: [0, 2] },
      { representative: 1, members: [1, 4] },
      { representative: 3, members: [3] },
    ]);
  });
});

describe("selectByTimeoutTests (the reference's timeout_tests)", () => {
  const c = (index: number, publicScore: number): SelectionCandidate => ({ index, publicScore });
  it("picks, among the best public scorers, the first that survives the large inputs", async () => {
    const tools = fakeTools({ 0: ["slow"], 1: ["ok"], 2: ["ok"], 3: ["ok"] }, new Set());
    const outcome = await selectByTimeoutTests([c(0, 1), c(1, 1), c(2, 0.5), c(3, 1)], tools);
    expect(outcome.selected).toBe(1);
  });
  it("needs no large inputs when one sample alone has the best public score", async () => {
    const tools = fakeTools({ 0: ["ok"], 1: ["slow"] }, new Set());
    expect((await selectByTimeoutTests([c(0, 0.5), c(1, 1)], tools)).selected).toBe(1);
  });
});
