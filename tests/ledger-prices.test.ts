import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  findModelPrice,
  loadPriceFile,
  type PriceTable,
  priceTotals,
  selectPriceTable,
} from "../ledger/prices";
import type { ModelUsage, Totals, TotalsRow } from "../ledger/types";
import { tempDir } from "./helpers/processes";

function usage(model: string, endpoint: string, over: Partial<ModelUsage> = {}): ModelUsage {
  return {
    model,
    endpoint,
    requests: 1,
    promptTokens: 0,
    completionTokens: 0,
    cachedTokens: 0,
    reasoningTokens: 0,
    gpuSeconds: 0,
    ...over,
  };
}

function row(key: TotalsRow["key"], usages: ModelUsage[], cpuSeconds = 0): TotalsRow {
  const sum = (f: (u: ModelUsage) => number) => usages.reduce((s, u) => s + f(u), 0);
  return {
    key,
    requests: sum((u) => u.requests),
    promptTokens: sum((u) => u.promptTokens),
    completionTokens: sum((u) => u.completionTokens),
    cachedTokens: sum((u) => u.cachedTokens),
    reasoningTokens: sum((u) => u.reasoningTokens),
    sandboxBatches: cpuSeconds > 0 ? 1 : 0,
    cpuSeconds,
    wallSeconds: cpuSeconds,
    tests: 0,
    gpuSeconds: sum((u) => u.gpuSeconds),
    usage: usages,
  };
}

const table: PriceTable = {
  version: "t1",
  effectiveFrom: "2025-01-01",
  currency: "USD",
  models: {
    "gpt-4o-mini": { billing: "tokens", inputPer1M: 0.15, outputPer1M: 0.6, cachedInputPer1M: 0.075 },
    "gpt-4o": { billing: "tokens", inputPer1M: 2.5, outputPer1M: 10 },
    "Qwen/Qwen2.5-Coder-*": { billing: "gpu" },
    "Qwen/*": { billing: "tokens", inputPer1M: 1, outputPer1M: 1 },
  },
  endpoints: {
    vllm: { gpuHourUsd: 3.6, gpus: 2, throughputTokensPerSecond: 1000 },
    sim: { gpuHourUsd: 0, gpus: 0 },
  },
  sandbox: { cpuHourUsd: 0.036 },
};

describe("prices", () => {
  it("prices API tokens: uncached input, cached input and output (reasoning is inside output)", () => {
    const totals: Totals = {
      runId: "r",
      groupBy: [],
      rows: [
        row({}, [
          usage("gpt-4o-mini-2024-07-18", "openai", {
            promptTokens: 1_000_000,
            cachedTokens: 400_000,
            completionTokens: 2_000_000,
            reasoningTokens: 500_000,
          }),
        ]),
      ],
    };
    const priced = priceTotals(totals, table);
    const cost = priced.rows[0]?.cost;
    expect(cost?.inputUsd).toBeCloseTo(0.6 * 0.15, 12);
    expect(cost?.cachedInputUsd).toBeCloseTo(0.4 * 0.075, 12);
    expect(cost?.outputUsd).toBeCloseTo(2 * 0.6, 12);
    expect(cost?.totalUsd).toBeCloseTo(0.09 + 0.03 + 1.2, 12);
    expect(priced).toMatchObject({ priceVersion: "t1", effectiveFrom: "2025-01-01", currency: "USD" });
  });

  it("matches dated snapshots and prefix patterns, and cached tokens default to the input rate", () => {
    expect(findModelPrice(table, "gpt-4o-mini-2024-07-18")).toBe(table.models["gpt-4o-mini"]);
    expect(findModelPrice(table, "gpt-4o-2024-08-06")).toBe(table.models["gpt-4o"]);
    expect(findModelPrice(table, "gpt-4o-0513")).toBe(table.models["gpt-4o"]);
    // Not a snapshot: another model, which must not inherit gpt-4o's (or gpt-4o-mini's) price.
    expect(findModelPrice(table, "gpt-4o-mini-audio")).toBeUndefined();
    expect(findModelPrice(table, "gpt-4o-realtime-2024-10-01")).toBeUndefined();
    // Patterns: the longest one that matches.
    expect(findModelPrice(table, "Qwen/Qwen2.5-Coder-7B-Instruct")).toBe(
      table.models["Qwen/Qwen2.5-Coder-*"],
    );
    expect(findModelPrice(table, "Qwen/QwQ-32B")).toBe(table.models["Qwen/*"]);
    const priced = priceTotals(
      {
        runId: "r",
        groupBy: [],
        rows: [row({}, [usage("gpt-4o", "openai", { promptTokens: 1e6, cachedTokens: 1e6 })])],
      },
      table,
    );
    expect(priced.rows[0]?.cost.cachedInputUsd).toBeCloseTo(2.5, 12);
  });

  it("prices self-hosted models by GPU time from throughput: measured wins over the table's value", () => {
    const totals: Totals = {
      runId: "r",
      groupBy: ["model"],
      rows: [
        row({ model: "Qwen/Qwen2.5-Coder-7B-Instruct" }, [
          usage("Qwen/Qwen2.5-Coder-7B-Instruct", "vllm", { promptTokens: 5e6, completionTokens: 3_600_000 }),
        ]),
      ],
    };
    // 3.6M tokens at 1000 tok/s = 3600 s on the endpoint, × 2 GPUs = 7200 GPU-s = 2 h × $3.6.
    const fromTable = priceTotals(totals, table).rows[0]?.cost;
    expect(fromTable?.gpuSeconds).toBeCloseTo(7200, 9);
    expect(fromTable?.gpuUsd).toBeCloseTo(7.2, 9);
    expect(fromTable?.inputUsd).toBe(0);
    const measured = priceTotals(totals, table, { throughput: { vllm: 2000 } }).rows[0]?.cost;
    expect(measured?.gpuSeconds).toBeCloseTo(3600, 9);
    expect(measured?.gpuUsd).toBeCloseTo(3.6, 9);
  });

  it("lists what it cannot price instead of counting it as free, and the simulator costs nothing", () => {
    const noThroughput: PriceTable = {
      ...table,
      endpoints: { ...table.endpoints, vllm: { gpuHourUsd: 2, gpus: 1 } },
    };
    const totals: Totals = {
      runId: "r",
      groupBy: [],
      rows: [
        row({}, [
          usage("mystery-model", "elsewhere", { promptTokens: 10, completionTokens: 20 }),
          usage("Qwen/Qwen2.5-Coder-7B-Instruct", "vllm", { completionTokens: 100 }),
          usage("sstar-sim-coder", "sim", { completionTokens: 1e9 }),
        ]),
      ],
    };
    const priced = priceTotals(totals, noThroughput);
    expect(priced.total.totalUsd).toBe(0);
    expect(priced.total.unpriced.map((u) => [u.model, u.endpoint])).toEqual([
      ["mystery-model", "elsewhere"],
      ["Qwen/Qwen2.5-Coder-7B-Instruct", "vllm"],
    ]);
    expect(priced.total.unpriced[1]?.reason).toMatch(/throughput/);
  });

  it("prices sandbox CPU time and adds rows up into the total", () => {
    const totals: Totals = {
      runId: "r",
      groupBy: ["stage"],
      rows: [
        row({ stage: "generate" }, [usage("gpt-4o-mini", "openai", { promptTokens: 1e6 })]),
        row({ stage: "refine" }, [usage("gpt-4o-mini", "openai", { completionTokens: 1e6 })], 7200),
      ],
    };
    const priced = priceTotals(totals, table);
    expect(priced.rows.map((r) => r.cost.totalUsd)).toEqual([
      expect.closeTo(0.15, 12),
      expect.closeTo(0.6 + 2 * 0.036, 12),
    ]);
    expect(priced.rows[1]?.cost.sandboxUsd).toBeCloseTo(0.072, 12);
    expect(priced.total.totalUsd).toBeCloseTo(0.15 + 0.6 + 0.072, 12);
    expect(priced.rows[0]?.key).toEqual({ stage: "generate" });
  });

  it("re-prices the same totals when the price table changes (cost is computed at report time)", () => {
    const totals: Totals = {
      runId: "r",
      groupBy: [],
      rows: [row({}, [usage("o1-mini", "openai", { promptTokens: 1e6, completionTokens: 1e6 })])],
    };
    const file = loadPriceFile();
    const old = priceTotals(totals, selectPriceTable(file, "2024-12-31"));
    const now = priceTotals(totals, selectPriceTable(file));
    expect(old.priceVersion).toBe("2024-10-01");
    expect(now.priceVersion).toBe("2025-02-01");
    expect(old.total.totalUsd).toBeCloseTo(3 + 12, 9);
    expect(now.total.totalUsd).toBeCloseTo(1.1 + 4.4, 9);
  });

  it("ships a default price file that validates, with gpt-4o-mini at $0.15 / $0.60 / $0.075 per 1M", () => {
    const latest = selectPriceTable(loadPriceFile());
    expect(latest.models["gpt-4o-mini"]).toMatchObject({
      billing: "tokens",
      inputPer1M: 0.15,
      outputPer1M: 0.6,
      cachedInputPer1M: 0.075,
    });
    expect(findModelPrice(latest, "Qwen/Qwen2.5-Coder-32B-Instruct")).toEqual(
      expect.objectContaining({ billing: "gpu" }),
    );
    expect(latest.endpoints.vllm?.gpuHourUsd).toBeGreaterThan(0);
    expect(latest.sandbox.cpuHourUsd).toBeGreaterThan(0);
    expect(() => selectPriceTable(loadPriceFile(), "2020-01-01")).toThrow(/no price table/);
  });

  it("rejects a malformed price file, naming the bad key", () => {
    const path = join(tempDir("prices"), "prices.json");
    writeFileSync(
      path,
      JSON.stringify({
        versions: [{ ...table, models: { x: { billing: "tokens", inputPer1M: -1, outputPer1M: 1 } } }],
      }),
    );
    expect(() => loadPriceFile(path)).toThrow(/versions\.0\.models\.x\.inputPer1M/);
  });
});
