import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { LlmSpendEntry, SandboxSpendEntry } from "../ledger/types";
import type { LlmErrorEvent, ProblemScope, SpendRecorder } from "../spend/spend-recorder";

/** OpenTelemetry's advised boundaries for `gen_ai.client.token.usage` (powers of 4 up to 64 Mi). */
export const GEN_AI_TOKEN_BUCKETS = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];

/**
 * OpenTelemetry's advised boundaries for `gen_ai.client.operation.duration` (0.01 s doubling to
 * 81.92 s), plus three more doublings: a reasoning model's long answer takes minutes, and without
 * them every such request would fall in +Inf.
 */
export const GEN_AI_DURATION_BUCKETS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92, 163.84, 327.68,
  655.36,
];

/** Token types of `sstar_llm_tokens_total`; `cached` is part of `input`, `reasoning` part of `output`. */
export const TOKEN_TYPES = ["input", "output", "cached", "reasoning"] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

/** The `type` label's values from an OpenAI-style usage (a ledger entry or a ledger totals row). */
export function tokensByType(usage: {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
}): Record<TokenType, number> {
  return {
    input: usage.promptTokens,
    output: usage.completionTokens,
    cached: usage.cachedTokens,
    reasoning: usage.reasoningTokens,
  };
}

/** Request ids remembered to ignore a re-recorded response (a retried activity that hit the cache). */
const RECENT_REQUEST_IDS = 20_000;

const SPEND_LABELS = ["run", "budget_setting", "stage", "role", "model"] as const;
const SANDBOX_LABELS = ["run", "budget_setting", "stage"] as const;
const PROBLEM_LABELS = ["run", "budget_setting"] as const;
const GEN_AI_LABELS = [
  "gen_ai_operation_name",
  "gen_ai_provider_name",
  "gen_ai_request_model",
  "stage",
  "role",
] as const;

/**
 * Live spend metrics of one process: what this worker saw since it started. They reset when the
 * process restarts, so they are for rates and latency; totals that match the bill come from the
 * ledger (`LedgerTotalsCollector`). Labels are bounded: run, budget setting, stage, role, model,
 * never a problem or a sample.
 */
export class SpendMetrics implements SpendRecorder {
  readonly registry: Registry;
  private readonly tokens: Counter<(typeof SPEND_LABELS)[number] | "type">;
  private readonly requests: Counter<(typeof SPEND_LABELS)[number]>;
  private readonly errors: Counter<(typeof SPEND_LABELS)[number] | "endpoint" | "kind">;
  private readonly genAiTokens: Histogram<(typeof GEN_AI_LABELS)[number] | "gen_ai_token_type">;
  private readonly genAiDuration: Histogram<(typeof GEN_AI_LABELS)[number]>;
  private readonly sandboxBatches: Counter<(typeof SANDBOX_LABELS)[number]>;
  private readonly sandboxCpu: Counter<(typeof SANDBOX_LABELS)[number]>;
  private readonly sandboxWall: Counter<(typeof SANDBOX_LABELS)[number]>;
  private readonly sandboxTests: Counter<(typeof SANDBOX_LABELS)[number]>;
  private readonly problemsStarted: Counter<(typeof PROBLEM_LABELS)[number]>;
  private readonly problemsDone: Counter<(typeof PROBLEM_LABELS)[number]>;
  private readonly problemsInFlight: Gauge<(typeof PROBLEM_LABELS)[number]>;
  private readonly seen = new Set<string>();

  constructor(registry: Registry = new Registry()) {
    this.registry = registry;
    const registers = [registry];
    this.tokens = new Counter({
      name: "sstar_llm_tokens_total",
      help: "LLM tokens paid for, seen by this process since it started; type input|output|cached|reasoning (cached is part of input, reasoning part of output)",
      labelNames: [...SPEND_LABELS, "type"],
      registers,
    });
    this.requests = new Counter({
      name: "sstar_llm_requests_total",
      help: "Paid LLM responses seen by this process since it started",
      labelNames: [...SPEND_LABELS],
      registers,
    });
    this.errors = new Counter({
      name: "sstar_llm_errors_total",
      help: "Failed LLM requests seen by this process since it started, by kind (timeout, rate_limited, server_error, bad_request, ...)",
      labelNames: [...SPEND_LABELS, "endpoint", "kind"],
      registers,
    });
    this.genAiTokens = new Histogram({
      name: "gen_ai_client_token_usage",
      help: "OpenTelemetry gen_ai.client.token.usage: input and output tokens per paid response ({token})",
      labelNames: [...GEN_AI_LABELS, "gen_ai_token_type"],
      buckets: GEN_AI_TOKEN_BUCKETS,
      registers,
    });
    this.genAiDuration = new Histogram({
      name: "gen_ai_client_operation_duration_seconds",
      help: "OpenTelemetry gen_ai.client.operation.duration: seconds from sending a request to its paid response",
      labelNames: [...GEN_AI_LABELS],
      buckets: GEN_AI_DURATION_BUCKETS,
      registers,
    });
    this.sandboxBatches = new Counter({
      name: "sstar_sandbox_batches_total",
      help: "Sandbox batches (programs x tests) this worker paid for since it started",
      labelNames: [...SANDBOX_LABELS],
      registers,
    });
    this.sandboxCpu = new Counter({
      name: "sstar_sandbox_batch_cpu_seconds_total",
      help: "CPU seconds of the sandbox batches this worker paid for since it started",
      labelNames: [...SANDBOX_LABELS],
      registers,
    });
    this.sandboxWall = new Counter({
      name: "sstar_sandbox_batch_wall_seconds_total",
      help: "Wall-clock seconds of the sandbox batches this worker paid for since it started",
      labelNames: [...SANDBOX_LABELS],
      registers,
    });
    this.sandboxTests = new Counter({
      name: "sstar_sandbox_batch_tests_total",
      help: "Tests executed in the sandbox batches this worker paid for since it started",
      labelNames: [...SANDBOX_LABELS],
      registers,
    });
    this.problemsStarted = new Counter({
      name: "sstar_problems_started_total",
      help: "Problems this process started working on since it started",
      labelNames: [...PROBLEM_LABELS],
      registers,
    });
    this.problemsDone = new Counter({
      name: "sstar_problems_done_total",
      help: "Problems this process finished since it started",
      labelNames: [...PROBLEM_LABELS],
      registers,
    });
    this.problemsInFlight = new Gauge({
      name: "sstar_problems_in_flight",
      help: "Problems started minus finished in this process (sum over workers: a problem may finish on another worker)",
      labelNames: [...PROBLEM_LABELS],
      registers,
    });
  }

  async llm(entry: LlmSpendEntry): Promise<void> {
    if (this.alreadySeen(entry.requestId)) return;
    const labels = {
      run: entry.runId,
      budget_setting: entry.budgetSetting,
      stage: entry.stage,
      role: entry.role,
      model: entry.model,
    };
    const byType = tokensByType(entry);
    for (const type of TOKEN_TYPES) this.tokens.inc({ ...labels, type }, byType[type]);
    this.requests.inc(labels);
    const genAi = {
      gen_ai_operation_name: "chat",
      // OpenTelemetry names the client's protocol when the server behind it is another product (vLLM).
      gen_ai_provider_name: "openai",
      gen_ai_request_model: entry.model,
      stage: entry.stage,
      role: entry.role,
    };
    this.genAiTokens.observe({ ...genAi, gen_ai_token_type: "input" }, entry.promptTokens);
    this.genAiTokens.observe({ ...genAi, gen_ai_token_type: "output" }, entry.completionTokens);
    this.genAiDuration.observe(genAi, entry.latencyMs / 1000);
  }

  async sandbox(entry: SandboxSpendEntry): Promise<void> {
    if (this.alreadySeen(entry.requestId)) return;
    const labels = { run: entry.runId, budget_setting: entry.budgetSetting, stage: entry.stage };
    this.sandboxBatches.inc(labels);
    this.sandboxCpu.inc(labels, entry.cpuSeconds);
    this.sandboxWall.inc(labels, entry.wallSeconds);
    this.sandboxTests.inc(labels, entry.tests);
  }

  llmError(event: LlmErrorEvent): void {
    this.errors.inc({
      run: event.runId,
      budget_setting: event.budgetSetting,
      stage: event.stage,
      role: event.role,
      model: event.model,
      endpoint: event.endpoint,
      kind: event.kind,
    });
  }

  problemStarted(scope: ProblemScope): void {
    const labels = { run: scope.runId, budget_setting: scope.budgetSetting };
    this.problemsStarted.inc(labels);
    this.problemsInFlight.inc(labels);
  }

  problemFinished(scope: ProblemScope): void {
    const labels = { run: scope.runId, budget_setting: scope.budgetSetting };
    this.problemsDone.inc(labels);
    this.problemsInFlight.dec(labels);
  }

  problemAbandoned(scope: ProblemScope): void {
    this.problemsInFlight.dec({ run: scope.runId, budget_setting: scope.budgetSetting });
  }

  /**
   * True for a request id recorded before: the ledger ignores such a write, and so do live counters
   * (within the ids this process still remembers; the oldest are forgotten first).
   */
  private alreadySeen(requestId: string): boolean {
    if (this.seen.has(requestId)) return true;
    this.seen.add(requestId);
    if (this.seen.size > RECENT_REQUEST_IDS) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    return false;
  }
}
