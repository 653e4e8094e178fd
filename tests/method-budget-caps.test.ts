import { describe, expect, it } from "vitest";
import { stageRates } from "../activities/budget-cap-activities";
import { loadRunConfig } from "../config/load-run-config";
import { describeConfigError, RunConfigSchema } from "../config/run-config";
import { selectPriceTable } from "../ledger/prices";
import {
  capReached,
  capsSummary,
  ProblemCapCheck,
  selectionCallsLlm,
  usageCostUsd,
  usageTokens,
} from "../method/budget-caps";
import type { UsageByStage } from "../method/pipeline-records";

const usage: UsageByStage = {
  generate: { requests: 1, prompt: 1_000, completion: 9_000, reasoning: 0 },
  judge: { requests: 4, prompt: 2_000, completion: 100, reasoning: 0 },
};
const rates = {
  generate: { inputPer1M: 1, outputPer1M: 10 },
  judge: { inputPer1M: 0.15, outputPer1M: 0.6 },
};

describe("cap decisions", () => {
  it("counts prompt plus completion tokens and prices each stage at its model's rates", () => {
    expect(usageTokens(usage)).toBe(12_100);
    expect(usageCostUsd(usage, rates)).toBeCloseTo(0.001 + 0.09 + 0.0003 + 0.00006, 10);
  });

  it("reports the first limit reached, with its value and limit", () => {
    expect(capReached(usage, { tokens: 20_000 }, rates)).toBeUndefined();
    expect(capReached(usage, { tokens: 12_100 }, rates)).toEqual({
      cap: "tokens",
      value: 12_100,
      limit: 12_100,
    });
    expect(capReached(usage, { tokens: 50_000, costUsd: 0.05 }, rates)).toEqual({
      cap: "costUsd",
      value: 0.09136,
      limit: 0.05,
    });
    expect(capReached(usage, undefined, rates)).toBeUndefined();
  });

  it("stops refining at the round where the problem's cap is reached, and keeps the first place it was", () => {
    const caps = {
      problem: { tokens: 10_000 },
      onProblemCap: "stop_refining" as const,
      onRunCap: "stop_run" as const,
    };
    const check = new ProblemCapCheck(caps, {});
    expect(check.check({ generate: usage.generate }, "refine", 1)).toMatchObject({
      scope: "problem",
      cap: "tokens",
      value: 10_000,
      stage: "refine",
      round: 1,
      action: "stop_refining",
    });
    expect(check.check(usage, "refine", 2)?.round).toBe(1);
    // `stop_refining` changes nothing at selection, so a cap first reached there is not an event.
    const late = new ProblemCapCheck(caps, {});
    expect(late.check(usage, "select")).toBeUndefined();
  });

  it("with skip_tournament, a cap reached before selection replaces LLM-calling methods", () => {
    const check = new ProblemCapCheck(
      { problem: { tokens: 11_000 }, onProblemCap: "skip_tournament", onRunCap: "stop_run" },
      {},
    );
    expect(check.check({ generate: usage.generate }, "refine", 1)).toBeUndefined();
    expect(check.check(usage, "select")).toMatchObject({ stage: "select", action: "skip_tournament" });
    expect(
      selectionCallsLlm({
        method: "sstar",
        mode: "ref",
        tieBreak: "lowest-index",
        hidePredictedOutputs: false,
      }),
    ).toBe(true);
    expect(selectionCallsLlm({ method: "first" })).toBe(false);
  });

  it("a run cap passed to a problem applies from its start", () => {
    const runCap = {
      scope: "run" as const,
      cap: "tokens" as const,
      value: 5,
      limit: 5,
      stage: "start" as const,
      afterProblems: 3,
      action: "skip_tournament" as const,
    };
    const check = new ProblemCapCheck(undefined, {}, runCap);
    expect(check.check({}, "refine", 1)).toBe(runCap);
    expect(capsSummary([{ problemId: "p", capped: runCap }, { problemId: "q" }], undefined)).toEqual({
      run: runCap,
      problems_capped: [{ problem_id: "p", ...runCap }],
      not_run: 0,
    });
  });
});

describe("cap configuration", () => {
  const base = loadRunConfig("demo");

  it("names the key of a bad cap", () => {
    const parsed = RunConfigSchema.safeParse({
      ...base,
      budget: { ...base.budget, caps: { problem: { tokens: -1 }, onRunCap: "halt" } },
    });
    expect(parsed.success).toBe(false);
    const message = parsed.success ? "" : describeConfigError(parsed.error, "x.yaml");
    expect(message).toContain("x.yaml: budget.caps.problem.tokens:");
    expect(message).toContain("x.yaml: budget.caps.onRunCap:");
  });

  it("names the key of a bad sweep grid", () => {
    const parsed = RunConfigSchema.safeParse({ ...base, sweep: { n: [0, 2], rounds: [], extra: 1 } });
    const message = parsed.success ? "" : describeConfigError(parsed.error, "s.yaml");
    expect(message).toContain("s.yaml: sweep.n[0]:");
    expect(message).toContain("s.yaml: sweep.rounds:");
    expect(message).toContain("extra");
  });

  it("prices dollar caps per stage from the price table, and refuses a model it cannot price", () => {
    const table = {
      version: "t",
      effectiveFrom: "2025-01-01",
      currency: "USD" as const,
      models: { "gpt-4o-mini": { billing: "tokens" as const, inputPer1M: 0.15, outputPer1M: 0.6 } },
      endpoints: { vllm: { gpuHourUsd: 3.6, gpus: 2, throughputTokensPerSecond: 1000 } },
      sandbox: { cpuHourUsd: 0 },
    };
    const config = loadRunConfig("sstar-r1-distill-qwen-7b");
    const priced = stageRates(config, selectPriceTable({ versions: [table] }));
    // Self-hosted: 2 GPUs × $3.6/h ÷ 1000 tokens/s = $2 per million generated tokens.
    expect(priced.generate).toEqual({ inputPer1M: 0, outputPer1M: 2 });
    expect(priced.judge).toEqual({ inputPer1M: 0.15, outputPer1M: 0.6 });
    expect(() => stageRates(config, { ...table, endpoints: {} })).toThrow(/roles\.generator/);
  });
});
