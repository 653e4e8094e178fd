/** Spend entries for metrics tests: fixed figures, a fresh request id each, any field overridable. */
import type { LlmSpendEntry, SandboxSpendEntry } from "../../ledger/types";

let nextId = 0;

export function llmEntry(overrides: Partial<LlmSpendEntry> = {}): LlmSpendEntry {
  return {
    requestId: `req-${nextId++}`,
    runId: "run-a",
    budgetSetting: "n=2,r=2",
    problemId: "p1",
    stage: "generate",
    role: "generator",
    model: "sim-coder",
    endpoint: "sim",
    promptTokens: 100,
    completionTokens: 40,
    cachedTokens: 30,
    reasoningTokens: 10,
    latencyMs: 1500,
    attempt: 1,
    at: "2026-01-01T00:00:00.000Z",
    ...overrides,
  };
}

export function sandboxEntry(overrides: Partial<SandboxSpendEntry> = {}): SandboxSpendEntry {
  return {
    requestId: `batch-${nextId++}`,
    runId: "run-a",
    budgetSetting: "n=2,r=2",
    problemId: "p1",
    stage: "refine",
    cpuSeconds: 0.25,
    wallSeconds: 0.5,
    tests: 3,
    at: "2026-01-01T00:00:00.000Z",
    ...overrides,
  };
}
