import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { SpendMetrics } from "../metrics/spend-metrics";
import { llmEntry, sandboxEntry } from "./helpers/spend-entries";

/** A histogram's samples carry the name of their series (`_bucket`, `_sum`, `_count`). */
type Sample = { value: number; labels: Record<string, string | number | undefined>; metricName?: string };

/** The value of one series, matching every label given (undefined when there is none). */
async function value(registry: Registry, name: string, labels: Record<string, string> = {}) {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const found = values.filter((v) =>
    Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want),
  );
  if (found.length === 0) return undefined;
  return found.reduce((sum, v) => sum + v.value, 0);
}

describe("SpendMetrics (live counters of one process)", () => {
  it("counts tokens by type with run, budget setting, stage, role and model labels", async () => {
    const metrics = new SpendMetrics();
    await metrics.llm(llmEntry());
    await metrics.llm(llmEntry({ stage: "refine", promptTokens: 7, completionTokens: 3, cachedTokens: 0 }));
    const r = metrics.registry;
    const generate = { run: "run-a", budget_setting: "n=2,r=2", stage: "generate", role: "generator" };
    expect(await value(r, "sstar_llm_tokens_total", { ...generate, type: "input" })).toBe(100);
    expect(await value(r, "sstar_llm_tokens_total", { ...generate, type: "output" })).toBe(40);
    expect(await value(r, "sstar_llm_tokens_total", { ...generate, type: "cached" })).toBe(30);
    expect(await value(r, "sstar_llm_tokens_total", { ...generate, type: "reasoning" })).toBe(10);
    expect(await value(r, "sstar_llm_tokens_total", { type: "input" })).toBe(107);
    expect(await value(r, "sstar_llm_requests_total", { model: "sim-coder" })).toBe(2);
    expect(await value(r, "sstar_llm_requests_total", { stage: "refine" })).toBe(1);
  });

  it("never labels a series by problem or sample", async () => {
    const metrics = new SpendMetrics();
    for (let p = 0; p < 5; p++) await metrics.llm(llmEntry({ problemId: `p${p}` }));
    await metrics.sandbox(sandboxEntry());
    metrics.problemStarted({ runId: "run-a", budgetSetting: "n=2,r=2" });
    const text = await metrics.registry.metrics();
    expect(text).not.toMatch(/problem(_id)?=/);
    expect(text).not.toMatch(/p[0-4]"/);
    expect(await value(metrics.registry, "sstar_llm_requests_total")).toBe(5);
  });

  it("counts a response recorded twice (a retried activity) once", async () => {
    const metrics = new SpendMetrics();
    const entry = llmEntry();
    await metrics.llm(entry);
    await metrics.llm({ ...entry, attempt: 2 });
    const batch = sandboxEntry();
    await metrics.sandbox(batch);
    await metrics.sandbox(batch);
    expect(await value(metrics.registry, "sstar_llm_requests_total")).toBe(1);
    expect(await value(metrics.registry, "sstar_llm_tokens_total", { type: "input" })).toBe(100);
    expect(await value(metrics.registry, "sstar_sandbox_batches_total")).toBe(1);
  });

  it("fills the OpenTelemetry GenAI histograms: token usage by token type, operation duration in seconds", async () => {
    const metrics = new SpendMetrics();
    await metrics.llm(llmEntry({ latencyMs: 1500 }));
    await metrics.llm(llmEntry({ latencyMs: 500, promptTokens: 20 }));
    const r = metrics.registry;
    const common = {
      gen_ai_operation_name: "chat",
      gen_ai_provider_name: "openai",
      gen_ai_request_model: "sim-coder",
    };
    const text = await r.metrics();
    expect(text).toContain("# TYPE gen_ai_client_token_usage histogram");
    expect(text).toContain("# TYPE gen_ai_client_operation_duration_seconds histogram");
    const tokens = r.getSingleMetric("gen_ai_client_token_usage");
    const samples = ((await tokens?.get())?.values ?? []) as Sample[];
    const sample = (suffix: string, type: string) =>
      samples.find(
        (v) =>
          v.metricName === `gen_ai_client_token_usage_${suffix}` &&
          v.labels.gen_ai_token_type === type &&
          Object.entries(common).every(([k, want]) => v.labels[k] === want),
      )?.value;
    expect(sample("sum", "input")).toBe(120);
    expect(sample("count", "input")).toBe(2);
    expect(sample("sum", "output")).toBe(80);
    const durationMetric = r.getSingleMetric("gen_ai_client_operation_duration_seconds");
    const duration = ((await durationMetric?.get())?.values ?? []) as Sample[];
    expect(duration.find((v) => v.metricName === "gen_ai_client_operation_duration_seconds_sum")?.value).toBe(
      2,
    );
    const le = (bound: number) =>
      duration.find(
        (v) => v.metricName === "gen_ai_client_operation_duration_seconds_bucket" && v.labels.le === bound,
      )?.value;
    expect(le(0.64)).toBe(1);
    expect(le(2.56)).toBe(2);
  });

  it("counts LLM errors by kind and endpoint", async () => {
    const metrics = new SpendMetrics();
    const event = {
      runId: "run-a",
      budgetSetting: "n=2,r=2",
      stage: "generate",
      role: "generator",
      model: "sim-coder",
      endpoint: "sim",
    };
    metrics.llmError({ ...event, kind: "timeout" });
    metrics.llmError({ ...event, kind: "timeout" });
    metrics.llmError({ ...event, kind: "rate_limited" });
    expect(
      await value(metrics.registry, "sstar_llm_errors_total", { kind: "timeout", endpoint: "sim" }),
    ).toBe(2);
    expect(await value(metrics.registry, "sstar_llm_errors_total", { kind: "rate_limited" })).toBe(1);
  });

  it("adds sandbox batches, CPU and wall seconds and tests per run and stage", async () => {
    const metrics = new SpendMetrics();
    await metrics.sandbox(sandboxEntry());
    await metrics.sandbox(sandboxEntry({ cpuSeconds: 1, wallSeconds: 2, tests: 5 }));
    await metrics.sandbox(sandboxEntry({ stage: "grade", tests: 10 }));
    const r = metrics.registry;
    const refine = { run: "run-a", budget_setting: "n=2,r=2", stage: "refine" };
    expect(await value(r, "sstar_sandbox_batches_total", refine)).toBe(2);
    expect(await value(r, "sstar_sandbox_batch_cpu_seconds_total", refine)).toBeCloseTo(1.25);
    expect(await value(r, "sstar_sandbox_batch_wall_seconds_total", refine)).toBeCloseTo(2.5);
    expect(await value(r, "sstar_sandbox_batch_tests_total", refine)).toBe(8);
    expect(await value(r, "sstar_sandbox_batch_tests_total", { stage: "grade" })).toBe(10);
  });

  it("tracks problems started, done and in flight per run and budget setting", async () => {
    const metrics = new SpendMetrics();
    const a = { runId: "run-a", budgetSetting: "n=2,r=2" };
    const b = { runId: "run-a", budgetSetting: "n=4,r=2" };
    metrics.problemStarted(a);
    metrics.problemStarted(a);
    metrics.problemStarted(b);
    metrics.problemStarted(b);
    metrics.problemFinished(a);
    metrics.problemAbandoned(b); // a failed attempt: no longer in flight, not done
    const r = metrics.registry;
    expect(await value(r, "sstar_problems_in_flight", { budget_setting: "n=2,r=2" })).toBe(1);
    expect(await value(r, "sstar_problems_in_flight", { budget_setting: "n=4,r=2" })).toBe(1);
    expect(await value(r, "sstar_problems_done_total", { budget_setting: "n=2,r=2" })).toBe(1);
    expect((await value(r, "sstar_problems_done_total", { budget_setting: "n=4,r=2" })) ?? 0).toBe(0);
    expect(await value(r, "sstar_problems_started_total")).toBe(4);
  });

  it("registers on the registry it is given, never the global one", async () => {
    const registry = new Registry();
    const metrics = new SpendMetrics(registry);
    expect(metrics.registry).toBe(registry);
    expect(registry.getSingleMetric("sstar_llm_tokens_total")).toBeDefined();
    const { register } = await import("prom-client");
    expect(register.getSingleMetric("sstar_llm_tokens_total")).toBeUndefined();
  });
});
