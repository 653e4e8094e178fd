import { describe, expect, it } from "vitest";
import { loadRunConfig } from "../config/load-run-config";
import type { LedgerEntry } from "../ledger/types";
import { addLedgerEntry, emptyPaid, withPaidUsage } from "../method/ledger-usage";
import type { ProblemOutcome } from "../method/pipeline-records";
import { summarizeRun } from "../method/run-summary";

const llm = (
  problemId: string,
  stage: string,
  prompt: number,
  completion: number,
  attempt = 1,
): LedgerEntry => ({
  kind: "llm",
  requestId: `${problemId}:${stage}:${prompt}:${attempt}`,
  runId: "r",
  budgetSetting: "n=2,r=1",
  problemId,
  stage,
  role: "generator",
  model: "m",
  endpoint: "sim",
  promptTokens: prompt,
  completionTokens: completion,
  cachedTokens: 0,
  reasoningTokens: 0,
  latencyMs: 1,
  attempt,
  at: "2026-12-07T00:00:00.000Z",
  recordedAt: "2026-12-07T00:00:00.000Z",
});

const outcome = (id: string, usage: ProblemOutcome["usage"]): ProblemOutcome => ({
  problemId: id,
  difficulty: "easy",
  samples: 2,
  rounds: 1,
  methods: [{ label: "first", selected: 0, passed: true, reason: "" }],
  oracleByRound: [true],
  correctByRound: [1],
  usage,
  recordRef: "sha256:00",
});

describe("a run's usage from its ledger", () => {
  // Problem a: attempt 1 paid 2 generations and died; attempt 2 found them cached and paid the refine.
  const paid = emptyPaid();
  for (const e of [
    llm("a", "generate", 100, 40),
    llm("a", "generate", 100, 60),
    llm("a", "refine", 30, 10, 2),
    llm("b", "generate", 50, 5),
  ])
    addLedgerEntry(paid, e);
  addLedgerEntry(paid, {
    kind: "sandbox",
    requestId: "s1",
    runId: "r",
    budgetSetting: "n=2,r=1",
    problemId: "a",
    stage: "refine",
    cpuSeconds: 0.5,
    wallSeconds: 1.5,
    tests: 4,
    at: "2026-12-07T00:00:00.000Z",
    recordedAt: "2026-12-07T00:00:00.000Z",
  });
  const fromResults = outcome("a", {
    generate: {
      requests: 0,
      prompt: 0,
      completion: 0,
      reasoning: 0,
      fromCache: { requests: 2, prompt: 200, completion: 100, reasoning: 0 },
    },
    refine: { requests: 1, prompt: 30, completion: 10, reasoning: 0 },
  });

  it("takes what was paid per stage from the ledger and keeps what the cache answered beside it", () => {
    expect(withPaidUsage(fromResults, paid.llm.get("a")).usage).toEqual({
      generate: {
        requests: 2,
        prompt: 200,
        completion: 100,
        reasoning: 0,
        fromCache: { requests: 2, prompt: 200, completion: 100, reasoning: 0 },
      },
      refine: { requests: 1, prompt: 30, completion: 10, reasoning: 0 },
    });
    expect(paid.sandbox).toEqual({ batches: 1, cpu_seconds: 0.5, wall_seconds: 1.5, tests: 4 });
  });

  it("counts a stage the results never saw (an attempt that failed for good) and zeroes one the ledger has none of", () => {
    const usage = withPaidUsage(
      outcome("b", { judge: { requests: 1, prompt: 9, completion: 1, reasoning: 0 } }),
      paid.llm.get("b"),
    ).usage;
    expect(usage.generate).toEqual({ requests: 1, prompt: 50, completion: 5, reasoning: 0 });
    expect(usage.judge).toEqual({ requests: 0, prompt: 0, completion: 0, reasoning: 0 });
  });

  it("summarizes paid tokens and what the cache saved apart", () => {
    const summary = summarizeRun("r", loadRunConfig("demo"), [withPaidUsage(fromResults, paid.llm.get("a"))]);
    expect(summary.tokens.total).toEqual({ requests: 3, prompt: 230, completion: 110, reasoning: 0 });
    expect(summary.cache_saved.total).toEqual({ requests: 2, prompt: 200, completion: 100, reasoning: 0 });
    expect(summary.cache_saved.generate?.requests).toBe(2);
    expect(summary.cache_saved.refine).toBeUndefined();
  });
});
