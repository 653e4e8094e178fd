import { clusterByOutput, clusterBySignature } from "./clustering";
import type { SeededRandom } from "./seeded-random";

/**
 * Every selection method of the paper, as plain logic over injected tools: the tools do the I/O
 * (LLM calls, sandbox runs, all cached), these functions decide what to ask and how to score.
 */

export interface SelectionCandidate {
  /** The sample's index among the N samples. */
  index: number;
  /** Share of public tests passed by its final program, in [0, 1]. */
  publicScore: number;
}

export type JudgeChoice = 0 | 1 | 2 | undefined;

/** Results of the I/O a selection method asks for. Indices are sample indices. */
export interface SelectionTools {
  /** The test generator's inputs for the problem (parsed, deduplicated); their count. */
  generatedTestCount(): Promise<number>;
  /** Output of each candidate on each generated test (`Error: …` for failures), [candidate][test]. */
  outputsOnGeneratedTests(candidates: number[]): Promise<Map<number, string[]>>;
  /**
   * The candidates with the best no-error rate on large, LLM-written "timeout" inputs (the
   * reference's first step of `generated_tests`); all of them when there are no such inputs.
   */
  timeoutSurvivors(candidates: number[]): Promise<number[]>;
  /** Whether each candidate's output equals the test generator's predicted output, per test. */
  matchesPredicted(candidates: number[]): Promise<Map<number, boolean[]>>;
  /** One S* match: adaptive inputs for (a, b), both run on them, judged in both orders. */
  adaptiveJudgment(a: number, b: number): Promise<[JudgeChoice, JudgeChoice]>;
  /** Judgment on one generated test's input and the two outputs, in both orders (Table 3's judge). */
  testAwareJudgment(a: number, b: number, test: number): Promise<[JudgeChoice, JudgeChoice]>;
  /** Judgment on code alone, in both orders (the fallback). */
  codeOnlyJudgment(a: number, b: number): Promise<[JudgeChoice, JudgeChoice]>;
  /** Judgment on code alone, one call, a first: 0 or 1 (undefined: unparsable or a tie answer). */
  oneOrderJudgment(a: number, b: number): Promise<0 | 1 | undefined>;
  /**
   * The LLM shown one generated test's input and the outputs of `representatives` (one per output
   * cluster, in order) names the right one: its position, -1 for a broken test, undefined unparsable.
   */
  testResultChoice(test: number, representatives: number[]): Promise<number | undefined>;
  rng: SeededRandom;
}

export type TieBreak = "lowest-index" | "seeded-random";

export interface SelectionOutcome {
  selected: number;
  /** Why this one: e.g. "tournament", "no public-passing sample", "single candidate", "fallback". */
  reason: string;
  scores?: Record<number, number>;
  clusters?: number[][][];
  matches?: {
    a: number;
    b: number;
    test?: number;
    choices: [JudgeChoice, JudgeChoice];
    points: [number, number];
  }[];
}

/**
 * Points of a two-order judgment: consistent wins score (1, 0) or (0, 1), a double "equally
 * good" scores half each, anything else (inconsistent, unparsable) nothing.
 */
export function judgmentPoints([first, second]: [JudgeChoice, JudgeChoice]): [number, number] {
  if (first === 0 && second === 1) return [1, 0];
  if (first === 1 && second === 0) return [0, 1];
  if (first === 2 && second === 2) return [0.5, 0.5];
  return [0, 0];
}

export function argmax(
  candidates: number[],
  score: (c: number) => number,
  tieBreak: TieBreak,
  rng: SeededRandom,
): number {
  const best = Math.max(...candidates.map(score));
  const tied = candidates.filter((c) => score(c) === best);
  return tieBreak === "seeded-random" ? rng.pick(tied) : (tied[0] as number);
}

/** The reference's pre-step: the first sample with the best public score (strict `>`). */
export function firstBestPublic(candidates: SelectionCandidate[]): number {
  let best = candidates[0] as SelectionCandidate;
  for (const c of candidates) if (c.publicScore > best.publicScore) best = c;
  return best.index;
}

export function publicPassing(candidates: SelectionCandidate[]): number[] {
  return candidates.filter((c) => c.publicScore >= 1).map((c) => c.index);
}

/** "Public only" (the reference's `first`). */
export function selectFirst(candidates: SelectionCandidate[]): SelectionOutcome {
  return { selected: firstBestPublic(candidates), reason: "first sample with the best public score" };
}

export function selectRandom(candidates: SelectionCandidate[], rng: SeededRandom): SelectionOutcome {
  return { selected: rng.pick(candidates).index, reason: "uniform random sample" };
}

type Match = NonNullable<SelectionOutcome["matches"]>[number];

/** Every pair x < y of the pool plays once, in pool order; each match's points go to its two samples. */
async function roundRobin(
  pool: number[],
  play: (a: number, b: number) => Promise<Pick<Match, "choices" | "points">>,
): Promise<{ scores: Record<number, number>; matches: Match[] }> {
  const scores: Record<number, number> = Object.fromEntries(pool.map((c) => [c, 0]));
  const matches: Match[] = [];
  for (let x = 0; x < pool.length; x++) {
    for (let y = x + 1; y < pool.length; y++) {
      const a = pool[x] as number;
      const b = pool[y] as number;
      const { choices, points } = await play(a, b);
      scores[a] = (scores[a] ?? 0) + points[0];
      scores[b] = (scores[b] ?? 0) + points[1];
      matches.push({ a, b, choices, points });
    }
  }
  return { scores, matches };
}

/** Code-only round robin over the candidates, both orders (`llm_judge_pairwise_bt`; S*'s fallback). */
export async function selectByCodeOnlyJudge(
  pool: number[],
  tools: SelectionTools,
  tieBreak: TieBreak,
): Promise<SelectionOutcome> {
  const { scores, matches } = await roundRobin(pool, async (a, b) => {
    const choices = await tools.codeOnlyJudgment(a, b);
    return { choices, points: judgmentPoints(choices) };
  });
  return {
    selected: argmax(pool, (c) => scores[c] ?? 0, tieBreak, tools.rng),
    reason: "code-only pairwise judge",
    scores,
    matches,
  };
}

type PairJudge = (a: number, b: number, test: number) => Promise<[JudgeChoice, JudgeChoice]>;

/**
 * The reference's per-test tournament, shared by S* (adaptive judgments) and Table 3's LLM judge
 * (judgments on the generated test): for each test, cluster by output; every cross-cluster pair
 * plays; a cluster with the unique top score gives each member a point.
 */
async function perTestTournament(
  pool: number[],
  outputs: Map<number, string[]>,
  testCount: number,
  judge: PairJudge,
  dropErrors: boolean,
): Promise<Required<Pick<SelectionOutcome, "scores" | "clusters" | "matches">>> {
  const scores: Record<number, number> = Object.fromEntries(pool.map((c) => [c, 0]));
  const allClusters: number[][][] = [];
  const matches: SelectionOutcome["matches"] & object = [];
  for (let t = 0; t < testCount; t++) {
    const clusters = clusterByOutput(pool, (c) => outputs.get(c)?.[t] ?? "Error: missing", { dropErrors });
    allClusters.push(clusters);
    if (clusters.length < 2) continue;
    const clusterScore = clusters.map(() => 0);
    const pairs: { a: number; b: number; i: number; j: number }[] = [];
    for (let a = 0; a < clusters.length; a++)
      for (let b = a + 1; b < clusters.length; b++)
        for (const i of clusters[a] as number[])
          for (const j of clusters[b] as number[]) pairs.push({ a, b, i, j });
    // A test's matches are independent (each judgment depends only on its pair and test), so they
    // are asked at once: one problem's tournament fills the endpoint's batch instead of trickling
    // one comparison at a time. Scores and the record keep the reference's order.
    const judged = await Promise.all(pairs.map(({ i, j }) => judge(i, j, t)));
    pairs.forEach(({ a, b, i, j }, k) => {
      const choices = judged[k] as [JudgeChoice, JudgeChoice];
      const points = judgmentPoints(choices);
      clusterScore[a] = (clusterScore[a] ?? 0) + points[0];
      clusterScore[b] = (clusterScore[b] ?? 0) + points[1];
      matches.push({ a: i, b: j, test: t, choices, points });
    });
    const top = Math.max(...clusterScore);
    if (clusterScore.filter((s) => s === top).length === 1) {
      for (const member of clusters[clusterScore.indexOf(top)] as number[])
        scores[member] = (scores[member] ?? 0) + 1;
    }
  }
  return { scores, clusters: allClusters, matches };
}

/**
 * The reference's tournament selection: the P=0/P=1 pre-steps, the per-test tournament with the
 * given judgment, and the code-only fallback when nobody scored.
 */
async function tournamentSelection(
  candidates: SelectionCandidate[],
  tools: SelectionTools,
  tieBreak: TieBreak,
  judge: PairJudge,
  options: { dropErrors: boolean; reason: string },
): Promise<SelectionOutcome> {
  const testCount = await tools.generatedTestCount(); // spent even when P <= 1, as in the reference
  const pool = publicPassing(candidates);
  if (pool.length === 0) return { selected: firstBestPublic(candidates), reason: "no public-passing sample" };
  if (pool.length === 1) return { selected: pool[0] as number, reason: "single public-passing sample" };
  const outputs = await tools.outputsOnGeneratedTests(pool);
  const tournament = await perTestTournament(pool, outputs, testCount, judge, options.dropErrors);
  if (Math.max(...pool.map((c) => tournament.scores[c] ?? 0)) === 0) {
    const fallback = await selectByCodeOnlyJudge(pool, tools, tieBreak);
    return {
      ...fallback,
      reason: "no sample scored: code-only judge fallback",
      clusters: tournament.clusters,
      matches: [...tournament.matches, ...(fallback.matches ?? [])],
    };
  }
  return {
    selected: argmax(pool, (c) => tournament.scores[c] ?? 0, tieBreak, tools.rng),
    reason: options.reason,
    ...tournament,
  };
}

/** S* in the reference's form (`generated_tests_tool_assisted`), §3.1 of the method doc. */
export function selectSstarRef(
  candidates: SelectionCandidate[],
  tools: SelectionTools,
  tieBreak: TieBreak,
): Promise<SelectionOutcome> {
  return tournamentSelection(candidates, tools, tieBreak, (a, b) => tools.adaptiveJudgment(a, b), {
    dropErrors: true,
    reason: "adaptive-input tournament",
  });
}

/** Table 3's "LLM Judge" (`generated_tests_aware_llm_judge`): the same tournament, errors kept, no adaptive inputs. */
export function selectByTestAwareJudge(
  candidates: SelectionCandidate[],
  tools: SelectionTools,
  tieBreak: TieBreak,
): Promise<SelectionOutcome> {
  return tournamentSelection(candidates, tools, tieBreak, (a, b, t) => tools.testAwareJudgment(a, b, t), {
    dropErrors: false,
    reason: "test-aware judge tournament",
  });
}

/**
 * The paper's Algorithm 1: cluster once on all generated tests, one representative per cluster
 * plays each other cluster's once, the winner's cluster gets a point; pick from the best cluster.
 */
export async function selectSstarAlgorithm1(
  candidates: SelectionCandidate[],
  tools: SelectionTools,
  tieBreak: TieBreak,
): Promise<SelectionOutcome> {
  await tools.generatedTestCount();
  const pool = publicPassing(candidates);
  if (pool.length === 0) return { selected: firstBestPublic(candidates), reason: "no public-passing sample" };
  if (pool.length === 1) return { selected: pool[0] as number, reason: "single public-passing sample" };
  const outputs = await tools.outputsOnGeneratedTests(pool);
  const clusters = clusterBySignature(pool, (c) => outputs.get(c) ?? []);
  const clusterScore = clusters.map(() => 0);
  const matches: NonNullable<SelectionOutcome["matches"]> = [];
  for (let a = 0; a < clusters.length; a++) {
    for (let b = a + 1; b < clusters.length; b++) {
      const i = tools.rng.pick(clusters[a] as number[]);
      const j = tools.rng.pick(clusters[b] as number[]);
      const choices = await tools.adaptiveJudgment(i, j);
      const points = judgmentPoints(choices);
      if (points[0] > points[1]) clusterScore[a] = (clusterScore[a] ?? 0) + 1;
      else if (points[1] > points[0]) clusterScore[b] = (clusterScore[b] ?? 0) + 1;
      matches.push({ a: i, b: j, choices, points });
    }
  }
  const clusterIndices = clusters.map((_, k) => k);
  const best = argmax(clusterIndices, (k) => clusterScore[k] ?? 0, tieBreak, tools.rng);
  const members = clusters[best] as number[];
  const selected = tieBreak === "seeded-random" ? tools.rng.pick(members) : (members[0] as number);
  const scores = Object.fromEntries(
    pool.map((c) => [c, clusterScore[clusters.findIndex((cl) => cl.includes(c))] ?? 0]),
  );
  return {
    selected,
    reason: clusters.length === 1 ? "single cluster" : "cluster tournament",
    scores,
    clusters: [clusters],
    matches,
  };
}

/**
 * Majority vote on generated tests. `agreement`: the reference's score, +1 to both samples of a
 * pair for every test where their outputs agree. `largest_cluster`: the biggest group of samples
 * with identical outputs on every test.
 */
export async function selectByMajorityVote(
  candidates: SelectionCandidate[],
  tools: SelectionTools,
  options: { score: "agreement" | "largest_cluster"; publicFilter: boolean },
): Promise<SelectionOutcome> {
  const testCount = await tools.generatedTestCount();
  let pool = candidates.map((c) => c.index);
  if (options.publicFilter) {
    pool = publicPassing(candidates);
    if (pool.length === 0)
      return { selected: firstBestPublic(candidates), reason: "no public-passing sample" };
  }
  if (pool.length === 1 || testCount === 0)
    return { selected: pool[0] as number, reason: "nothing to vote on" };
  const outputs = await tools.outputsOnGeneratedTests(pool);
  if (options.score === "largest_cluster") {
    const clusters = clusterBySignature(pool, (c) => outputs.get(c) ?? []);
    const largest = clusters.reduce((best, cluster) => (cluster.length > best.length ? cluster : best));
    return { selected: largest[0] as number, reason: "largest output cluster", clusters: [clusters] };
  }
  const scores: Record<number, number> = Object.fromEntries(pool.map((c) => [c, 0]));
  for (let x = 0; x < pool.length; x++) {
    for (let y = x + 1; y < pool.length; y++) {
      const a = pool[x] as number;
      const b = pool[y] as number;
      for (let t = 0; t < testCount; t++) {
        if (outputs.get(a)?.[t] === outputs.get(b)?.[t]) {
          scores[a] = (scores[a] ?? 0) + 1;
          scores[b] = (scores[b] ?? 0) + 1;
        }
      }
    }
  }
  return {
    selected: argmax(pool, (c) => scores[c] ?? 0, "lowest-index", tools.rng),
    reason: "pairwise agreement",
    scores,
  };
}

/**
 * Table 3's "Generated Tests": among the public-passing samples, keep those with the best rate on
 * large timeout inputs, then pick the one agreeing most with the predicted outputs.
 */
export async function selectByGeneratedTests(
  candidates: SelectionCandidate[],
  tools: SelectionTools,
): Promise<SelectionOutcome> {
  await tools.generatedTestCount();
  const passing = publicPassing(candidates);
  if (passing.length === 0)
    return { selected: firstBestPublic(candidates), reason: "no public-passing sample" };
  if (passing.length === 1) return { selected: passing[0] as number, reason: "single public-passing sample" };
  const pool = await tools.timeoutSurvivors(passing);
  const agree = await tools.matchesPredicted(pool);
  const scores = Object.fromEntries(pool.map((c) => [c, (agree.get(c) ?? []).filter(Boolean).length]));
  return {
    selected: argmax(pool, (c) => scores[c] ?? 0, "lowest-index", tools.rng),
    reason: "most generated tests passed",
    scores,
  };
}

/**
 * The reference's `timeout_tests`: among the samples tied at the best public score, the one that
 * runs the most LLM-written large inputs without an error or a timeout (lowest index on ties).
 */
export async function selectByTimeoutTests(
  candidates: SelectionCandidate[],
  tools: SelectionTools,
): Promise<SelectionOutcome> {
  const best = Math.max(...candidates.map((c) => c.publicScore));
  const tied = candidates.filter((c) => c.publicScore === best).map((c) => c.index);
  if (tied.length === 1)
    return { selected: tied[0] as number, reason: "single sample with the best public score" };
  const survivors = await tools.timeoutSurvivors(tied);
  return {
    selected: survivors[0] ?? (tied[0] as number),
    reason: "best public score, most large inputs survived",
  };
}

/**
 * The reference's code-only judges (`llm_judge_pairwise_bt`, `llm_judge_pairwise`) as selection
 * methods: over the public-passing samples (none: the first best public scorer), a round robin in
 * both orders or in one order (one call per pair, the winner scores 1); earliest on ties.
 */
export async function selectByCodeOnlyJudgeOverPassing(
  candidates: SelectionCandidate[],
  tools: SelectionTools,
  orders: "both" | "one",
): Promise<SelectionOutcome> {
  const pool = publicPassing(candidates);
  if (pool.length === 0) return { selected: firstBestPublic(candidates), reason: "no public-passing sample" };
  if (pool.length === 1) return { selected: pool[0] as number, reason: "single public-passing sample" };
  if (orders === "both") return selectByCodeOnlyJudge(pool, tools, "lowest-index");
  const { scores, matches } = await roundRobin(pool, async (a, b) => {
    const choice = await tools.oneOrderJudgment(a, b);
    const points: [number, number] = choice === 0 ? [1, 0] : choice === 1 ? [0, 1] : [0, 0];
    return { choices: [choice, undefined], points };
  });
  return {
    selected: argmax(pool, (c) => scores[c] ?? 0, "lowest-index", tools.rng),
    reason: "one-order code-only pairwise judge",
    scores,
    matches,
  };
}

/**
 * The reference's `generated_tests_majority_llm`: for each generated test that splits the
 * public-passing samples into two or more output clusters (errors kept), one LLM call names the
 * right output (-1: the test is broken, skipped); that cluster's members score 1. Earliest on
 * ties, with no fallback: nobody scoring selects the first public-passing sample.
 */
export async function selectByTestResultVote(
  candidates: SelectionCandidate[],
  tools: SelectionTools,
): Promise<SelectionOutcome & { brokenTests: number }> {
  const testCount = await tools.generatedTestCount();
  const pool = publicPassing(candidates);
  if (pool.length === 0)
    return { selected: firstBestPublic(candidates), reason: "no public-passing sample", brokenTests: 0 };
  if (pool.length === 1)
    return { selected: pool[0] as number, reason: "single public-passing sample", brokenTests: 0 };
  if (testCount === 0) return { selected: pool[0] as number, reason: "no generated tests", brokenTests: 0 };
  const outputs = await tools.outputsOnGeneratedTests(pool);
  const scores: Record<number, number> = Object.fromEntries(pool.map((c) => [c, 0]));
  const allClusters: number[][][] = [];
  let brokenTests = 0;
  for (let t = 0; t < testCount; t++) {
    const clusters = clusterByOutput(pool, (c) => outputs.get(c)?.[t] ?? "Error: missing", {
      dropErrors: false,
    });
    allClusters.push(clusters);
    if (clusters.length < 2) continue;
    const pick = await tools.testResultChoice(
      t,
      clusters.map((cluster) => cluster[0] as number),
    );
    if (pick === -1) brokenTests++;
    if (pick === undefined || pick < 0) continue;
    for (const member of clusters[pick] ?? []) scores[member] = (scores[member] ?? 0) + 1;
  }
  return {
    selected: argmax(pool, (c) => scores[c] ?? 0, "lowest-index", tools.rng),
    reason: "LLM-chosen output clusters on generated tests",
    scores,
    clusters: allClusters,
    brokenTests,
  };
}
