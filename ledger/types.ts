import { z } from "zod";

/**
 * One paid LLM response, written by the activity that received it before that activity returns.
 * Token fields follow the OpenAI usage object: `cachedTokens` is the part of `promptTokens` that
 * was served from the provider's prompt cache, and `reasoningTokens` the part of
 * `completionTokens` spent on hidden reasoning (both are subsets, never added on top).
 */
export interface LlmSpendEntry {
  /** Caller-chosen idempotency key: a second write with the same id is ignored. Unique ledger-wide. */
  requestId: string;
  runId: string;
  /** A label of the budget setting the request was paid for, e.g. `n=16,r=3`. */
  budgetSetting: string;
  problemId: string;
  stage: string;
  role: string;
  model: string;
  /** The endpoint's name in the run configuration (e.g. `vllm`, `openai`, `sim`). */
  endpoint: string;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  latencyMs: number;
  attempt: number;
  /** When the response was received (ISO 8601; stored normalised to UTC `toISOString()` form). */
  at: string;
}

/** One batch of sandbox executions (programs × tests), written like an LLM entry. */
export interface SandboxSpendEntry {
  requestId: string;
  runId: string;
  budgetSetting: string;
  problemId: string;
  stage: string;
  cpuSeconds: number;
  wallSeconds: number;
  tests: number;
  at: string;
}

/**
 * GPU time of a model's endpoint pods over one slice of time, the part of it attributed to one
 * (run, budget setting, stage): written by the GPU meter (spend/gpu-meter.ts). Stage `idle` is time
 * the run held the endpoint alone while nothing was generated.
 */
export interface GpuSpendEntry {
  requestId: string;
  runId: string;
  budgetSetting: string;
  stage: string;
  /** The served model name, as the run's LLM entries carry it. */
  model: string;
  endpoint: string;
  gpuSeconds: number;
  /** The slice of time metered (ISO 8601). */
  from: string;
  to: string;
  at: string;
}

/**
 * What the adaptive budget policy did not spend on one problem: the samples the fixed budget would
 * have drawn and the samples it drew (docs/adaptive-budget.md). Written once per finished problem;
 * the tokens those samples would have cost are an estimate and are never stored as spend.
 */
export interface SamplesSavedEntry {
  requestId: string;
  runId: string;
  budgetSetting: string;
  problemId: string;
  /** The budget policy that saved them (today only `adaptive`). */
  policy: string;
  samplesBudget: number;
  samplesDrawn: number;
  /** Why the problem stopped drawing: `settled`, `hopeless` or `budget`. */
  stop: string;
  at: string;
}

/** A run's saved samples per budget setting, as `samplesSaved` reads them back. */
export interface SamplesSavedRow {
  budgetSetting: string;
  problems: number;
  samplesBudget: number;
  samplesDrawn: number;
  samplesSaved: number;
  /** Problems per stopping reason. */
  stopped: Record<string, number>;
}

/** One LLM response of any run, as the GPU meter reads it: when it ran and what it generated. */
export interface LlmActivity {
  runId: string;
  budgetSetting: string;
  stage: string;
  endpoint: string;
  /** When the response was received; the request ran for `latencyMs` before it. */
  at: string;
  latencyMs: number;
  completionTokens: number;
}

/** An entry as read back: its kind, its fields, and when the ledger stored it. */
export type LedgerEntry =
  | ({ kind: "llm"; recordedAt: string } & LlmSpendEntry)
  | ({ kind: "sandbox"; recordedAt: string } & SandboxSpendEntry);

export interface RecordResult {
  /** True when an entry with this requestId was already in the ledger; nothing was written. */
  duplicate: boolean;
}

export const GROUP_KEYS = ["stage", "role", "model", "budgetSetting"] as const;
export type GroupKey = (typeof GROUP_KEYS)[number];

export interface TotalsOptions {
  /** Dimensions to group by; none (the default) gives one row for the whole run. */
  groupBy?: readonly GroupKey[];
}

/**
 * The values of a row's grouping dimensions. Only the dimensions asked for are present. Sandbox
 * batches have no role or model, so their rows hold `null` there.
 */
export interface TotalsKey {
  stage?: string;
  role?: string | null;
  model?: string | null;
  budgetSetting?: string;
}

export interface SpendCounts {
  /** LLM requests (entries of kind `llm`). */
  requests: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  /** Sandbox batches (entries of kind `sandbox`). */
  sandboxBatches: number;
  cpuSeconds: number;
  wallSeconds: number;
  tests: number;
  /** GPU-seconds metered on the endpoints' pods and attributed here (GPU entries). */
  gpuSeconds: number;
}

/** LLM usage of one (model, endpoint) pair inside a row: what prices are applied to. */
export interface ModelUsage {
  model: string;
  endpoint: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  /** GPU-seconds metered for this (model, endpoint) in the row; 0 where nothing was metered. */
  gpuSeconds: number;
}

export interface TotalsRow extends SpendCounts {
  key: TotalsKey;
  /** The row's LLM usage split by (model, endpoint), sorted; the pricing basis of `priceTotals`. */
  usage: ModelUsage[];
}

export interface Totals {
  runId: string;
  groupBy: GroupKey[];
  /** Sorted by the grouping values in `groupBy` order (null first). Empty when the run has no entries. */
  rows: TotalsRow[];
}

export interface EntriesOptions {
  /** Rows fetched per query while iterating (default 500). */
  pageSize?: number;
}

/**
 * The spend ledger: append-only, idempotent by requestId, durable when a write resolves. There is
 * deliberately no update or delete.
 */
export interface SpendLedger {
  recordLlm(entry: LlmSpendEntry): Promise<RecordResult>;
  recordSandbox(entry: SandboxSpendEntry): Promise<RecordResult>;
  recordGpu(entry: GpuSpendEntry): Promise<RecordResult>;
  /** What a budget policy did not draw for one problem (idempotent by requestId, like spend). */
  recordSamplesSaved(entry: SamplesSavedEntry): Promise<RecordResult>;
  /** A run's saved samples per budget setting, sorted by it; empty for a fixed-budget run. */
  samplesSaved(runId: string): Promise<SamplesSavedRow[]>;
  /**
   * Every run's LLM responses from `model` received in [from, to): what the GPU meter splits a
   * slice of the endpoint's time by.
   */
  llmActivity(model: string, from: string, to: string): Promise<LlmActivity[]>;
  /** The runs with a response from `model` received in [from, to), sorted. */
  runsUsingModel(model: string, from: string, to: string): Promise<string[]>;
  totals(runId: string, options?: TotalsOptions): Promise<Totals>;
  /**
   * The runs with an entry recorded at or after `since` (ISO 8601), sorted: what a restarted
   * process exports metrics for, though it saw none of their work itself.
   */
  runsSince(since: string): Promise<string[]>;
  /** Every entry of a run, ordered by `at` then `requestId`, fetched page by page. */
  entries(runId: string, options?: EntriesOptions): AsyncIterable<LedgerEntry>;
  close(): Promise<void>;
}

// --- validation ---------------------------------------------------------------------------------

const label = z.string().min(1).max(2000);
const count = z.number().int().min(0);
const amount = z.number().min(0);
const isoTime = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), { message: "not an ISO 8601 time" })
  .transform((s) => new Date(s).toISOString());

const common = {
  requestId: label,
  runId: label,
  budgetSetting: label,
  problemId: label,
  stage: label,
  at: isoTime,
};

export const llmEntrySchema = z.object({
  ...common,
  role: label,
  model: label,
  endpoint: label,
  promptTokens: count,
  completionTokens: count,
  cachedTokens: count,
  reasoningTokens: count,
  latencyMs: amount,
  attempt: count,
});

export const sandboxEntrySchema = z.object({
  ...common,
  cpuSeconds: amount,
  wallSeconds: amount,
  tests: count,
});

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(entry)"}: ${i.message}`);
  throw new TypeError(`invalid ${what}: ${issues.join("; ")}`);
}

export const gpuEntrySchema = z.object({
  requestId: label,
  runId: label,
  budgetSetting: label,
  stage: label,
  model: label,
  endpoint: label,
  gpuSeconds: amount,
  from: isoTime,
  to: isoTime,
  at: isoTime,
});

export function validateGpuEntry(entry: GpuSpendEntry): GpuSpendEntry {
  return parseOrThrow(gpuEntrySchema, entry, "GPU ledger entry");
}

export const samplesSavedEntrySchema = z
  .object({
    requestId: label,
    runId: label,
    budgetSetting: label,
    problemId: label,
    policy: label,
    samplesBudget: count,
    samplesDrawn: count,
    stop: label,
    at: isoTime,
  })
  .refine((e) => e.samplesDrawn <= e.samplesBudget, {
    message: "samplesDrawn is more than samplesBudget",
    path: ["samplesDrawn"],
  });

export function validateSamplesSavedEntry(entry: SamplesSavedEntry): SamplesSavedEntry {
  return parseOrThrow(samplesSavedEntrySchema, entry, "samples-saved ledger entry");
}

export function validateLlmEntry(entry: LlmSpendEntry): LlmSpendEntry {
  return parseOrThrow(llmEntrySchema, entry, "LLM ledger entry");
}

export function validateSandboxEntry(entry: SandboxSpendEntry): SandboxSpendEntry {
  return parseOrThrow(sandboxEntrySchema, entry, "sandbox ledger entry");
}

export function validateGroupBy(groupBy: readonly GroupKey[] | undefined): GroupKey[] {
  const keys = [...(groupBy ?? [])];
  for (const k of keys) {
    if (!(GROUP_KEYS as readonly string[]).includes(k)) {
      throw new TypeError(`totals: cannot group by "${k}" (one of ${GROUP_KEYS.join(", ")})`);
    }
  }
  if (new Set(keys).size !== keys.length)
    throw new TypeError(`totals: groupBy repeats a key: ${keys.join(", ")}`);
  return keys;
}
