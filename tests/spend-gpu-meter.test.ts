import { join } from "node:path";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { loadPriceFile, priceTotals, selectPriceTable } from "../ledger/prices";
import { SqliteSpendLedger } from "../ledger/sqlite-ledger";
import type { LlmSpendEntry, SpendLedger } from "../ledger/types";
import { LedgerTotalsCollector } from "../metrics/ledger-collector";
import type { GpuInterval } from "../spend/gpu-attribution";
import { GpuMeter } from "../spend/gpu-meter";
import { tempDir } from "./helpers/processes";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const s = (seconds: number) => T0 + seconds * 1000;

function response(
  runId: string,
  model: string,
  stage: string,
  endSecond: number,
  latencySeconds: number,
  tokens: number,
): LlmSpendEntry {
  return {
    requestId: `${runId}-${stage}-${endSecond}`,
    runId,
    budgetSetting: "n=16,r=3",
    problemId: "p1",
    stage,
    role: stage === "generate" ? "generator" : "debugger",
    model,
    endpoint: "vllm",
    promptTokens: 10,
    completionTokens: tokens,
    cachedTokens: 0,
    reasoningTokens: 0,
    latencyMs: latencySeconds * 1000,
    attempt: 1,
    at: new Date(s(endSecond)).toISOString(),
  };
}

function occupancyOf(intervals: GpuInterval[]) {
  return {
    intervals: () => intervals.map((i) => ({ ...i })),
    models: () => [...new Set(intervals.map((i) => i.model))],
  };
}

describe("GpuMeter on a real ledger", () => {
  let ledger: SpendLedger;
  afterEach(async () => ledger?.close());

  it("charges a run its token share of a shared endpoint's busy slices and none of its shared idle time", async () => {
    ledger = await SqliteSpendLedger.open(join(tempDir("gpu-meter"), "ledger.sqlite"));
    for (const e of [
      response("run-a", "m", "generate", 5, 0, 100),
      response("run-b", "m", "generate", 8, 0, 100),
      response("run-a", "m", "refine", 25, 10, 100),
    ])
      await ledger.recordLlm(e);
    let now = s(27);
    const options = {
      ledger,
      runId: "run-a",
      idle: { budgetSetting: "n=16,r=3", endpoint: "vllm" },
      occupancy: occupancyOf([{ pod: "vllm-0", model: "m", gpus: 2, from: s(0) }]),
      runStart: s(0),
      sliceMs: 10_000,
      lagMs: 5_000,
      now: () => now,
    };
    const meter = new GpuMeter(options);
    await meter.meterSettled();
    expect(meter.totals).toMatchObject({
      slices: 2,
      gpuSeconds: 40,
      chargedGpuSeconds: 10,
      othersGpuSeconds: 10,
      unattributedGpuSeconds: 20,
    });
    now = s(36);
    await meter.meterToEnd(s(35));
    expect(meter.totals).toMatchObject({
      slices: 4,
      gpuSeconds: 70,
      chargedGpuSeconds: 30,
      idleGpuSeconds: 0,
      unattributedGpuSeconds: 30,
    });

    const byStage = await ledger.totals("run-a", { groupBy: ["stage"] });
    expect(byStage.rows.map((r) => [r.key.stage, r.gpuSeconds])).toEqual([
      ["generate", 10],
      ["refine", 20],
    ]);
    // A relaunched launcher meters the same run again: nothing is written twice.
    const again = new GpuMeter(options);
    await again.meterToEnd(s(35));
    expect((await ledger.totals("run-a")).rows[0]?.gpuSeconds).toBe(30);

    // Prometheus reads the same figures from the ledger.
    const registry = new Registry();
    new LedgerTotalsCollector(ledger, registry, { recentRunsMs: 0 }).exportRun("run-a");
    const text = await registry.metrics();
    expect(text).toContain(
      'sstar_ledger_gpu_seconds_total{run="run-a",budget_setting="n=16,r=3",stage="refine",model="m"} 20',
    );
  });

  it("charges a run that holds the endpoint alone its idle time too, and prices the measured GPU time", async () => {
    ledger = await SqliteSpendLedger.open(join(tempDir("gpu-meter"), "ledger.sqlite"));
    await ledger.recordLlm(response("solo", "Qwen/Qwen2.5-Coder-7B-Instruct", "generate", 4, 4, 1000));
    const meter = new GpuMeter({
      ledger,
      runId: "solo",
      idle: { budgetSetting: "n=16,r=3", endpoint: "vllm" },
      occupancy: occupancyOf([
        { pod: "vllm-0", model: "Qwen/Qwen2.5-Coder-7B-Instruct", gpus: 1, from: s(-50), to: s(15) },
      ]),
      runStart: s(0),
      sliceMs: 10_000,
      lagMs: 5_000,
      now: () => s(21),
    });
    await meter.meterToEnd(s(20));
    const byStage = await ledger.totals("solo", { groupBy: ["stage"] });
    // [0,10) busy; [10,15) idle, then the pod was gone.
    expect(byStage.rows.map((r) => [r.key.stage, r.gpuSeconds])).toEqual([
      ["generate", 10],
      ["idle", 5],
    ]);
    const table = selectPriceTable(loadPriceFile());
    const gpuHour = table.endpoints.vllm?.gpuHourUsd ?? 0;
    expect(gpuHour).toBeGreaterThan(0);
    const priced = priceTotals(await ledger.totals("solo"), table);
    expect(priced.total.gpuSeconds).toBe(15);
    expect(priced.total.gpuUsd).toBeCloseTo((15 / 3600) * gpuHour, 12);
  });
});

describe("GpuMeter: models the run never asked", () => {
  it("charges nothing of another model's pods, busy or idle", async () => {
    const ledger = await SqliteSpendLedger.open(join(tempDir("gpu-meter"), "ledger.sqlite"));
    try {
      await ledger.recordLlm(response("mine", "small", "generate", 5, 5, 100));
      const meter = new GpuMeter({
        ledger,
        runId: "mine",
        idle: { budgetSetting: "n=16,r=3", endpoint: "vllm" },
        occupancy: occupancyOf([
          { pod: "small-0", model: "small", gpus: 1, from: s(0) },
          { pod: "big-0", model: "big", gpus: 4, from: s(0) },
        ]),
        runStart: s(0),
        sliceMs: 10_000,
        lagMs: 5_000,
        now: () => s(21),
      });
      await meter.meterToEnd(s(20));
      expect(meter.totals).toMatchObject({
        gpuSeconds: 100,
        chargedGpuSeconds: 20,
        idleGpuSeconds: 10,
        unattributedGpuSeconds: 80,
      });
    } finally {
      await ledger.close();
    }
  });
});
