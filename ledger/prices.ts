/**
 * Prices and cost. The ledger stores usage only; cost is computed at report time by the pure
 * `priceTotals(totals, prices)`, so changing the price table re-prices every old run.
 *
 * A usage of (model, endpoint) is priced
 *   - by tokens when the model has token prices (an API such as OpenAI's):
 *     input = (prompt − cached) × input rate, cached = cached × cached rate (input rate when unset),
 *     output = completion × output rate (reasoning tokens are part of completion tokens);
 *   - otherwise by GPU time on its endpoint (self-hosted vLLM), at its GPU-hour price: the
 *     GPU-seconds the GPU meter measured on the endpoint's pods and attributed to the row (see
 *     spend/gpu-attribution.ts) where there are any; else an estimate, completion tokens ÷ the
 *     endpoint's throughput (generated tokens per second of the whole endpoint: measured during
 *     the run, else set in the table) × its GPUs;
 *   - otherwise it is left unpriced and listed, never silently counted as free.
 * Sandbox batches cost CPU-seconds at the sandbox CPU-hour price.
 */
import { z } from "zod";
import { readNamedJson } from "../config/read-named-file";
import type { GroupKey, ModelUsage, Totals, TotalsRow } from "./types";

const rate = z.number().min(0);

const modelPriceSchema = z.discriminatedUnion("billing", [
  z.object({
    billing: z.literal("tokens"),
    inputPer1M: rate,
    outputPer1M: rate,
    cachedInputPer1M: rate.optional(),
    note: z.string().optional(),
  }),
  z.object({ billing: z.literal("gpu"), note: z.string().optional() }),
]);

const endpointPriceSchema = z.object({
  /** Price of one GPU for one hour. */
  gpuHourUsd: rate,
  /** GPUs behind the endpoint (tensor × pipeline parallel × replicas). */
  gpus: z.number().min(0),
  /** Generated tokens per second of the whole endpoint, used when no measured value is given. */
  throughputTokensPerSecond: z.number().positive().optional(),
  note: z.string().optional(),
});

const dateString = z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: "not a date" });

export const priceTableSchema = z.object({
  version: z.string().min(1),
  effectiveFrom: dateString,
  currency: z.literal("USD"),
  /** Keyed by model name (also matching its dated snapshots) or by a `prefix*` pattern; see findModelPrice. */
  models: z.record(z.string(), modelPriceSchema),
  /** Keyed by the endpoint's name in the run configuration. */
  endpoints: z.record(z.string(), endpointPriceSchema),
  sandbox: z.object({ cpuHourUsd: rate, note: z.string().optional() }),
});

export const priceFileSchema = z.object({
  note: z.string().optional(),
  versions: z.array(priceTableSchema).min(1),
});

export type ModelPrice = z.infer<typeof modelPriceSchema>;
export type EndpointPrice = z.infer<typeof endpointPriceSchema>;
export type PriceTable = z.infer<typeof priceTableSchema>;
export type PriceFile = z.infer<typeof priceFileSchema>;

export const DEFAULT_PRICES_PATH = new URL("./default-prices.json", import.meta.url);

/** Reads and validates a price file (default: the one shipped in `ledger/default-prices.json`). */
export function loadPriceFile(path: string | URL = DEFAULT_PRICES_PATH): PriceFile {
  const parsed = priceFileSchema.safeParse(readNamedJson(path));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new Error(`price file ${String(path)}: ${issues.join("; ")}`);
  }
  const versions = parsed.data.versions.map((v) => v.version);
  if (new Set(versions).size !== versions.length)
    throw new Error(`price file ${String(path)}: repeated version`);
  return parsed.data;
}

/**
 * The price table in force at `at` (the newest whose effectiveFrom is not after it); by default
 * the newest of all, which is how reports re-price old runs at today's prices.
 */
export function selectPriceTable(file: PriceFile, at?: string | Date): PriceTable {
  const when = at === undefined ? Number.POSITIVE_INFINITY : new Date(at).getTime();
  const eligible = file.versions
    .filter((v) => Date.parse(v.effectiveFrom) <= when)
    .sort((a, b) => Date.parse(a.effectiveFrom) - Date.parse(b.effectiveFrom));
  const table = eligible[eligible.length - 1];
  if (!table) throw new Error(`no price table is in force at ${String(at)}`);
  return table;
}

/** A dated snapshot of a model: `gpt-4o-mini-2024-07-18`, `gpt-4-0613`. */
const SNAPSHOT_SUFFIX = /^-(\d{4}-\d{2}-\d{2}|\d{4})$/;

/**
 * The model's price: an exact key; else a key the name extends with a dated snapshot suffix
 * (`gpt-4o-mini` prices `gpt-4o-mini-2024-07-18`, but never `gpt-4o-mini-audio`); else the longest
 * `*`-ending pattern key it starts with (`Qwen/Qwen2.5-Coder-*`).
 */
export function findModelPrice(table: PriceTable, model: string): ModelPrice | undefined {
  const exact = table.models[model];
  if (exact) return exact;
  let pattern: string | undefined;
  for (const key of Object.keys(table.models)) {
    if (key.endsWith("*")) {
      const prefix = key.slice(0, -1);
      if (model.startsWith(prefix) && (!pattern || key.length > pattern.length)) pattern = key;
    } else if (model.startsWith(key) && SNAPSHOT_SUFFIX.test(model.slice(key.length))) {
      return table.models[key];
    }
  }
  return pattern === undefined ? undefined : table.models[pattern];
}

export interface UnpricedUsage {
  model: string;
  endpoint: string;
  completionTokens: number;
  promptTokens: number;
  reason: string;
}

export interface CostBreakdown {
  inputUsd: number;
  cachedInputUsd: number;
  outputUsd: number;
  gpuSeconds: number;
  gpuUsd: number;
  sandboxUsd: number;
  /** The sum of the above; unpriced usage is not in it (see `unpriced`). */
  totalUsd: number;
  unpriced: UnpricedUsage[];
}

export interface PricedRow extends TotalsRow {
  cost: CostBreakdown;
}

export interface PricedTotals {
  runId: string;
  groupBy: GroupKey[];
  priceVersion: string;
  effectiveFrom: string;
  currency: "USD";
  rows: PricedRow[];
  /** The cost of all rows together. */
  total: CostBreakdown;
}

export interface PriceOptions {
  /** Measured generated-tokens-per-second by endpoint name; wins over the table's setting. */
  throughput?: Record<string, number>;
}

function zeroCost(): CostBreakdown {
  return {
    inputUsd: 0,
    cachedInputUsd: 0,
    outputUsd: 0,
    gpuSeconds: 0,
    gpuUsd: 0,
    sandboxUsd: 0,
    totalUsd: 0,
    unpriced: [],
  };
}

function addCost(into: CostBreakdown, c: CostBreakdown): void {
  into.inputUsd += c.inputUsd;
  into.cachedInputUsd += c.cachedInputUsd;
  into.outputUsd += c.outputUsd;
  into.gpuSeconds += c.gpuSeconds;
  into.gpuUsd += c.gpuUsd;
  into.sandboxUsd += c.sandboxUsd;
  into.totalUsd += c.totalUsd;
  into.unpriced.push(...c.unpriced);
}

function priceUsage(u: ModelUsage, table: PriceTable, options: PriceOptions, cost: CostBreakdown): void {
  const unpriced = (reason: string) =>
    cost.unpriced.push({
      model: u.model,
      endpoint: u.endpoint,
      promptTokens: u.promptTokens,
      completionTokens: u.completionTokens,
      reason,
    });
  const model = findModelPrice(table, u.model);
  if (model?.billing === "tokens") {
    const cached = Math.min(u.cachedTokens, u.promptTokens);
    cost.inputUsd += ((u.promptTokens - cached) * model.inputPer1M) / 1e6;
    cost.cachedInputUsd += (cached * (model.cachedInputPer1M ?? model.inputPer1M)) / 1e6;
    cost.outputUsd += (u.completionTokens * model.outputPer1M) / 1e6;
    return;
  }
  const endpoint = table.endpoints[u.endpoint];
  if (!endpoint) {
    unpriced(`model "${u.model}" has no token price and endpoint "${u.endpoint}" no GPU price`);
    return;
  }
  if (u.gpuSeconds > 0) {
    cost.gpuSeconds += u.gpuSeconds;
    cost.gpuUsd += (u.gpuSeconds / 3600) * endpoint.gpuHourUsd;
    return;
  }
  if (u.completionTokens === 0 || endpoint.gpus === 0 || endpoint.gpuHourUsd === 0) return;
  const tps = options.throughput?.[u.endpoint] ?? endpoint.throughputTokensPerSecond;
  if (!tps || !(tps > 0)) {
    unpriced(`endpoint "${u.endpoint}" has no throughput (measured or set) to estimate GPU time`);
    return;
  }
  const gpuSeconds = (u.completionTokens / tps) * endpoint.gpus;
  cost.gpuSeconds += gpuSeconds;
  cost.gpuUsd += (gpuSeconds / 3600) * endpoint.gpuHourUsd;
}

function priceRow(row: TotalsRow, table: PriceTable, options: PriceOptions): CostBreakdown {
  const cost = zeroCost();
  for (const u of row.usage) priceUsage(u, table, options, cost);
  cost.sandboxUsd = (row.cpuSeconds / 3600) * table.sandbox.cpuHourUsd;
  cost.totalUsd = cost.inputUsd + cost.cachedInputUsd + cost.outputUsd + cost.gpuUsd + cost.sandboxUsd;
  return cost;
}

/** Prices a ledger's totals with a price table (pure: no I/O, no clock). */
export function priceTotals(totals: Totals, prices: PriceTable, options: PriceOptions = {}): PricedTotals {
  const total = zeroCost();
  const rows = totals.rows.map((row) => {
    const cost = priceRow(row, prices, options);
    addCost(total, cost);
    return { ...row, cost };
  });
  return {
    runId: totals.runId,
    groupBy: [...totals.groupBy],
    priceVersion: prices.version,
    effectiveFrom: prices.effectiveFrom,
    currency: prices.currency,
    rows,
    total,
  };
}
