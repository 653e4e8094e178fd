import { describe, expect, it } from "vitest";
import { loadRunConfig } from "../config/load-run-config";
import type { ProblemOutcome } from "../method/pipeline-records";
import { summarizeRun } from "../method/run-summary";

const outcome = (id: string, difficulty: string, passed: boolean[], oracle: boolean[]): ProblemOutcome => ({
  problemId: id,
  difficulty,
  samples: 4,
  rounds: 2,
  methods: [
    { label: "sstar", selected: 0, passed: passed[0] ?? false, reason: "" },
    { label: "first", selected: 0, passed: passed[1] ?? false, reason: "" },
  ],
  oracleByRound: oracle,
  correctByRound: oracle.map((o) => (o ? 0.5 : 0)),
  usage: {
    generate: { requests: 1, prompt: 100, completion: 50, reasoning: 0 },
    judge: { requests: 2, prompt: 30, completion: 4, reasoning: 0 },
    fallback_judge: { requests: 1, prompt: 10, completion: 1, reasoning: 0 },
  },
  recordRef: "sha256:00",
});

describe("summarizeRun", () => {
  const config = loadRunConfig("sstar-r1-distill-qwen-7b");
  const summary = summarizeRun("run-1", config, [
    outcome("a", "easy", [true, true], [true, true]),
    outcome("b", "hard", [true, false], [false, true]),
    outcome("c", "hard", [false, false], [false, false]),
  ]);

  it("weights pass@1 by problem, overall and per difficulty", () => {
    expect(summary.methods.sstar).toEqual({
      pass_at_1: 0.6667,
      passed: 2,
      by_difficulty: { easy: 1, hard: 0.5 },
    });
    expect(summary.methods.first?.pass_at_1).toBe(0.3333);
  });

  it("reports oracle pass@N per round", () => {
    expect(summary.oracle.pass_at_n).toEqual([0.3333, 0.6667]);
    expect(summary.oracle.by_difficulty).toEqual({ easy: [1, 1], hard: [0, 0.5] });
  });

  it("totals tokens by stage and by role, naming the model of each role", () => {
    expect(summary.tokens.total).toEqual({ prompt: 420, completion: 165, reasoning: 0, requests: 12 });
    expect(summary.tokens_by_role.judge).toEqual({
      model: "gpt-4o-mini-2024-07-18",
      prompt: 120,
      completion: 15,
      reasoning: 0,
      requests: 9,
    });
    expect(summary.tokens_by_role.generator?.model).toBe("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B");
  });
});

describe("summarizeRun as a fold", () => {
  // The scores computed the direct way, over the whole list: what folding one outcome at a time must equal.
  const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
  const share = (hits: number, total: number) => (total === 0 ? 0 : round4(hits / total));
  function direct(outcomes: ProblemOutcome[]) {
    const rounds = Math.max(0, ...outcomes.map((o) => o.oracleByRound.length));
    const oracleAt = (subset: ProblemOutcome[], r: number) =>
      share(subset.filter((o) => o.oracleByRound[r] ?? o.oracleByRound.at(-1)).length, subset.length);
    const difficulties = [...new Set(outcomes.map((o) => o.difficulty))].sort();
    return {
      pass_at_n: Array.from({ length: rounds }, (_, r) => oracleAt(outcomes, r)),
      mean_correct_share: Array.from({ length: rounds }, (_, r) =>
        round4(
          outcomes.reduce((sum, o) => sum + (o.correctByRound[r] ?? o.correctByRound.at(-1) ?? 0), 0) /
            Math.max(1, outcomes.length),
        ),
      ),
      by_difficulty: Object.fromEntries(
        difficulties.map((d) => [
          d,
          Array.from({ length: rounds }, (_, r) =>
            oracleAt(
              outcomes.filter((o) => o.difficulty === d),
              r,
            ),
          ),
        ]),
      ),
    };
  }

  it("equals the direct computation when outcomes stopped after different numbers of rounds", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const outcomes: ProblemOutcome[] = Array.from({ length: 300 }, (_, i) => {
      const length = 1 + Math.floor(random() * 4);
      const oracle = Array.from({ length }, () => random() < 0.5);
      const o = outcome(`p${i}`, ["easy", "medium", "hard"][i % 3] as string, [random() < 0.5], oracle);
      // Some outcomes carry fewer correct shares than oracle rounds, and some a method the others lack.
      o.correctByRound = oracle.slice(0, 1 + Math.floor(random() * length)).map(() => random());
      if (i % 7 === 0) o.methods.push({ label: "rare", selected: 0, passed: true, reason: "" });
      return o;
    });
    const summary = summarizeRun("run-fold", loadRunConfig("sstar-r1-distill-qwen-7b"), outcomes);
    expect(summary.oracle).toEqual(direct(outcomes));
    const rare = outcomes.filter((o) => o.methods.some((m) => m.label === "rare")).length;
    expect(summary.methods.rare).toMatchObject({ passed: rare, pass_at_1: share(rare, 300) });
    expect(summary.problems).toBe(300);
  });
});
