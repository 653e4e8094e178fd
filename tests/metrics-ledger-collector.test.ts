import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { ledgerTarget, openLedger } from "../ledger/open-ledger";
import type { SpendLedger, Totals } from "../ledger/types";
import { LedgerTotalsCollector } from "../metrics/ledger-collector";
import { startMetricsServer } from "../metrics/metrics-server";
import { tempDir } from "./helpers/processes";
import { llmEntry, sandboxEntry } from "./helpers/spend-entries";

/** The sum of the series of `name` matching every label given. */
async function value(registry: Registry, name: string, labels: Record<string, string> = {}) {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values
    .filter((v) =>
      Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want),
    )
    .reduce((sum, v) => sum + v.value, 0);
}

describe("LedgerTotalsCollector (run totals read from the ledger at scrape time)", () => {
  const ledgers: SpendLedger[] = [];
  afterEach(async () => {
    await Promise.all(ledgers.splice(0).map((l) => l.close()));
  });
  async function sqliteLedger(dataDir = tempDir("metrics-ledger")): Promise<SpendLedger> {
    const ledger = await openLedger(ledgerTarget(dataDir));
    ledgers.push(ledger);
    return ledger;
  }

  it("exports the ledger's totals per run, budget setting, stage, role, model and token type", async () => {
    const ledger = await sqliteLedger();
    await ledger.recordLlm(llmEntry());
    await ledger.recordLlm(
      llmEntry({ problemId: "p2", promptTokens: 5, completionTokens: 6, cachedTokens: 0 }),
    );
    await ledger.recordLlm(
      llmEntry({ stage: "refine", role: "debugger", model: "gpt-4o-mini", budgetSetting: "n=4,r=2" }),
    );
    await ledger.recordSandbox(sandboxEntry());
    await ledger.recordSandbox(sandboxEntry({ cpuSeconds: 1, wallSeconds: 2, tests: 4 }));
    await ledger.recordLlm(llmEntry({ runId: "run-other" }));

    const registry = new Registry();
    // Only the run it is told about: discovery of recent runs is off here.
    const collector = new LedgerTotalsCollector(ledger, registry, { recentRunsMs: 0 });
    collector.exportRun("run-a");
    const gen = { run: "run-a", budget_setting: "n=2,r=2", stage: "generate", role: "generator" };
    expect(await value(registry, "sstar_ledger_llm_tokens_total", { ...gen, type: "input" })).toBe(105);
    expect(await value(registry, "sstar_ledger_llm_tokens_total", { ...gen, type: "output" })).toBe(46);
    expect(await value(registry, "sstar_ledger_llm_tokens_total", { ...gen, type: "cached" })).toBe(30);
    expect(await value(registry, "sstar_ledger_llm_tokens_total", { ...gen, type: "reasoning" })).toBe(20);
    expect(await value(registry, "sstar_ledger_llm_requests_total", gen)).toBe(2);
    expect(
      await value(registry, "sstar_ledger_llm_tokens_total", {
        budget_setting: "n=4,r=2",
        stage: "refine",
        role: "debugger",
        model: "gpt-4o-mini",
        type: "input",
      }),
    ).toBe(100);
    const refine = { run: "run-a", budget_setting: "n=2,r=2", stage: "refine" };
    expect(await value(registry, "sstar_ledger_sandbox_batches_total", refine)).toBe(2);
    expect(await value(registry, "sstar_ledger_sandbox_cpu_seconds_total", refine)).toBeCloseTo(1.25);
    expect(await value(registry, "sstar_ledger_sandbox_wall_seconds_total", refine)).toBeCloseTo(2.5);
    expect(await value(registry, "sstar_ledger_sandbox_tests_total", refine)).toBe(7);
    // Only runs it was told about: run-other is not exported.
    expect(await value(registry, "sstar_ledger_llm_requests_total", { run: "run-other" })).toBe(0);
    expect(await value(registry, "sstar_ledger_runs_exported")).toBe(1);

    // Totals over every label equal the ledger's own run totals.
    const [total] = (await ledger.totals("run-a")).rows;
    expect(await value(registry, "sstar_ledger_llm_tokens_total", { type: "input" })).toBe(
      total?.promptTokens,
    );
    expect(await value(registry, "sstar_ledger_llm_tokens_total", { type: "output" })).toBe(
      total?.completionTokens,
    );
  });

  it("learns the runs to export from the spend and problems it is told about", async () => {
    const ledger = await sqliteLedger();
    const registry = new Registry();
    const collector = new LedgerTotalsCollector(ledger, registry);
    const entry = llmEntry({ runId: "run-b" });
    await ledger.recordLlm(entry);
    await collector.llm(entry);
    collector.problemStarted({ runId: "run-c", budgetSetting: "n=2,r=2" });
    await ledger.recordSandbox(sandboxEntry({ runId: "run-c" }));
    expect(await value(registry, "sstar_ledger_llm_requests_total", { run: "run-b" })).toBe(1);
    expect(await value(registry, "sstar_ledger_sandbox_batches_total", { run: "run-c" })).toBe(1);
    expect(await value(registry, "sstar_ledger_runs_exported")).toBe(2);
  });

  it("after a restart, exports the whole run again (never a counter that starts over)", async () => {
    const dataDir = tempDir("metrics-restart");
    const first = await sqliteLedger(dataDir);
    for (let i = 0; i < 3; i++) await first.recordLlm(llmEntry({ runId: "run-r" }));
    // A new process: a fresh registry and collector over the same ledger file.
    const second = await sqliteLedger(dataDir);
    const registry = new Registry();
    const collector = new LedgerTotalsCollector(second, registry);
    const after = llmEntry({ runId: "run-r" });
    await second.recordLlm(after);
    await collector.llm(after);
    expect(await value(registry, "sstar_ledger_llm_requests_total", { run: "run-r" })).toBe(4);
    expect(await value(registry, "sstar_ledger_llm_tokens_total", { run: "run-r", type: "input" })).toBe(400);
  });

  it("after a restart with no work, still exports the runs the ledger recorded lately", async () => {
    const dataDir = tempDir("metrics-idle-restart");
    const first = await sqliteLedger(dataDir);
    for (let i = 0; i < 2; i++) await first.recordLlm(llmEntry({ runId: "run-ended" }));
    const second = await sqliteLedger(dataDir);
    const idle = new Registry();
    new LedgerTotalsCollector(second, idle);
    expect(await value(idle, "sstar_ledger_llm_requests_total", { run: "run-ended" })).toBe(2);
    // With a window shorter than the run's age, an idle process exports nothing.
    await new Promise((r) => setTimeout(r, 20));
    const narrow = new Registry();
    new LedgerTotalsCollector(second, narrow, { recentRunsMs: 5 });
    expect(await value(narrow, "sstar_ledger_llm_requests_total", { run: "run-ended" })).toBe(0);
    expect(await value(narrow, "sstar_ledger_runs_exported")).toBe(0);
    expect(await second.runsSince(new Date(0).toISOString())).toEqual(["run-ended"]);
  });

  it("follows the ledger between scrapes", async () => {
    const ledger = await sqliteLedger();
    const registry = new Registry();
    const collector = new LedgerTotalsCollector(ledger, registry);
    collector.exportRun("run-a");
    await ledger.recordLlm(llmEntry());
    expect(await value(registry, "sstar_ledger_llm_requests_total")).toBe(1);
    await ledger.recordLlm(llmEntry());
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await value(registry, "sstar_ledger_llm_requests_total")).toBe(2);
  });

  it("answers a scrape with the last totals when the ledger cannot be read, and counts the failure", async () => {
    let failing = false;
    const fake: SpendLedger = {
      recordLlm: async () => ({ duplicate: false }),
      recordSandbox: async () => ({ duplicate: false }),
      recordGpu: async () => ({ duplicate: false }),
      recordSamplesSaved: async () => ({ duplicate: false }),
      samplesSaved: async () => [],
      llmActivity: async () => [],
      runsUsingModel: async () => [],
      entries: async function* () {},
      runsSince: async () => [],
      close: async () => {},
      totals: async (runId): Promise<Totals> => {
        if (failing) throw new Error("database is locked");
        return {
          runId,
          groupBy: ["budgetSetting", "stage", "role", "model"],
          rows: [
            {
              key: { budgetSetting: "b", stage: "generate", role: "generator", model: "m" },
              requests: 3,
              promptTokens: 30,
              completionTokens: 9,
              cachedTokens: 0,
              reasoningTokens: 0,
              sandboxBatches: 0,
              cpuSeconds: 0,
              wallSeconds: 0,
              tests: 0,
              gpuSeconds: 0,
              usage: [],
            },
          ],
        };
      },
    };
    const errors: unknown[] = [];
    const registry = new Registry();
    new LedgerTotalsCollector(fake, registry, { logError: (e) => errors.push(e) }).exportRun("run-f");
    expect(await value(registry, "sstar_ledger_llm_requests_total")).toBe(3);
    failing = true;
    await new Promise((r) => setTimeout(r, 1_100));
    const text = await registry.metrics();
    expect(text).toContain('sstar_ledger_llm_requests_total{run="run-f",budget_setting="b"');
    // One failed read served every series of the scrape: counted and reported once.
    expect(await value(registry, "sstar_ledger_read_errors_total")).toBe(1);
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toContain("database is locked");
    // The next scrape tries the ledger again, and still answers with the last totals.
    expect(await value(registry, "sstar_ledger_llm_requests_total")).toBe(3);
    expect(await value(registry, "sstar_ledger_read_errors_total")).toBe(2);
    failing = false;
    expect(await value(registry, "sstar_ledger_llm_requests_total")).toBe(3);
    expect(await value(registry, "sstar_ledger_read_errors_total")).toBe(2);
  });
});

describe("metrics server", () => {
  it("serves /metrics in the Prometheus text format and /healthz; other paths are 404; a taken port is named", async () => {
    const registry = new Registry();
    const ledger = await openLedger(ledgerTarget(tempDir("metrics-server")));
    try {
      new LedgerTotalsCollector(ledger, registry).exportRun("run-a");
      const server = await startMetricsServer(registry, 0, "127.0.0.1");
      try {
        expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        const metrics = await fetch(`${server.url}/metrics`);
        expect(metrics.status).toBe(200);
        expect(metrics.headers.get("content-type")).toContain("text/plain");
        expect(await metrics.text()).toContain("# TYPE sstar_ledger_llm_tokens_total counter");
        expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
        expect((await fetch(`${server.url}/nope`)).status).toBe(404);
        expect((await fetch(`${server.url}/metrics`, { method: "POST" })).status).toBe(405);
      } finally {
        await server.close();
      }
      await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
      const taken = await startMetricsServer(registry, 0, "127.0.0.1");
      try {
        const port = Number(new URL(taken.url).port);
        await expect(startMetricsServer(registry, port, "127.0.0.1")).rejects.toThrow(
          `metrics port ${port} on 127.0.0.1 is already in use`,
        );
      } finally {
        await taken.close();
      }
    } finally {
      await ledger.close();
    }
  });
});
