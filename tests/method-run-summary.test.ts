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
