import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CachedExecutor } from "../activities/cached-executor";
import { EndpointSchema } from "../config/run-config";
import { SqliteSpendLedger } from "../ledger/sqlite-ledger";
import type { LedgerEntry, LlmSpendEntry, SandboxSpendEntry, SpendLedger } from "../ledger/types";
import { type CompletionRequest, PermanentLlmError } from "../llm/llm-gateway";
import { OpenAiGateway } from "../llm/openai-gateway";
import type { ExecutionRequest, ExecutionResult, ProgramExecutor } from "../sandbox/types";
import type { Responder } from "../simulator/responder";
import { createSimulatorServer, type SimulatorServer } from "../simulator/server";
import { budgetSettingLabel } from "../spend/budget-setting";
import { LedgerSpendRecorder } from "../spend/ledger-spend-recorder";
import type { ActivitySpend } from "../spend/spend-context";
import type { LlmErrorEvent, SpendRecorder } from "../spend/spend-recorder";
import { type KeyedStore, LocalKeyedStore } from "../store/content-store";
import { tempDir } from "./helpers/processes";

const responder: Responder = {
  respond: (request, i) => ({
    text: `answer ${i} to ${request.messages.at(-1)?.content}`,
    role: "generate",
    outcome: "ok",
  }),
};

/** The ledger's recorder, keeping what reached it. */
class RecordingLedger implements SpendRecorder {
  readonly llmWrites: LlmSpendEntry[] = [];
  readonly sandboxWrites: SandboxSpendEntry[] = [];
  readonly errors: LlmErrorEvent[] = [];
  private readonly inner: LedgerSpendRecorder;
  constructor(ledger: SpendLedger) {
    this.inner = new LedgerSpendRecorder(ledger);
  }
  async llm(entry: LlmSpendEntry): Promise<void> {
    this.llmWrites.push(entry);
    await this.inner.llm(entry);
  }
  async sandbox(entry: SandboxSpendEntry): Promise<void> {
    this.sandboxWrites.push(entry);
    await this.inner.sandbox(entry);
  }
  llmError(event: LlmErrorEvent): void {
    this.errors.push(event);
  }
  problemStarted(): void {}
  problemFinished(): void {}
  problemAbandoned(): void {}
}

/** A cache whose writes fail: the worker dies after paying and recording, before caching. */
class DyingCache implements KeyedStore {
  constructor(private readonly inner: KeyedStore) {}
  get<T>(key: string): Promise<T | undefined> {
    return this.inner.get<T>(key);
  }
  async putIfAbsent<T>(): Promise<T> {
    throw new Error("worker killed before the cache write");
  }
}

const payer = (attempt: number, activity = "sstar-run-r1--p1/3"): ActivitySpend => ({
  runId: "r1",
  budgetSetting: budgetSettingLabel({ n: 2, rounds: 1 }),
  problemId: "p1",
  activity,
  attempt,
});

describe("spend recording by the component that receives what was paid", () => {
  let server: SimulatorServer;
  let url: string;
  let dir: string;
  let ledger: SqliteSpendLedger;

  beforeAll(async () => {
    server = createSimulatorServer({ responder, config: { latency: "zero" } });
    ({ url } = await server.listen(0, "127.0.0.1"));
    dir = tempDir("spend-recording");
    ledger = await SqliteSpendLedger.open(join(dir, "ledger.sqlite"));
  });
  afterAll(async () => {
    await ledger?.close();
    await server?.close();
  });

  const request = (content: string, attempt: number, keys = ["k0", "k1"]): CompletionRequest => ({
    endpoint: EndpointSchema.parse({ baseUrl: url }),
    model: "sstar-sim",
    messages: [{ role: "user", content }],
    sampling: { temperature: 0.7 },
    choices: keys.map((k, i) => ({ cacheKey: `llm:${content}:${k}`, seed: i })),
    spend: { ...payer(attempt), stage: "generate", role: "generator", endpoint: "sim" },
  });

  it("records each HTTP response once; a cache hit pays and writes nothing; a retry that asks again is a new entry", async () => {
    const recorder = new RecordingLedger(ledger);
    const cacheDir = join(dir, "llm-cache");
    const before = server.stats();

    // Attempt 1 pays, records, then dies before caching: attempt 2 must ask (and pay) again.
    const dying = new OpenAiGateway(new DyingCache(new LocalKeyedStore(cacheDir)), recorder);
    await expect(dying.complete(request("retried", 1))).rejects.toThrow(/killed/);
    const gateway = new OpenAiGateway(new LocalKeyedStore(cacheDir), recorder);
    const second = await gateway.complete(request("retried", 2));
    expect(second.choices.every((c) => !c.fromCache)).toBe(true);
    // Attempt 3 finds everything cached: nothing paid, nothing written.
    const third = await gateway.complete(request("retried", 3));
    expect(third.choices.every((c) => c.fromCache)).toBe(true);
    expect(third.requests).toBe(0);
    // ...and says what the cache saved: exactly what attempt 2 paid for those choices.
    expect(third.servedFromCache).toEqual({ usage: second.usage, requests: second.requests });
    expect(second.servedFromCache.requests).toBe(0);

    expect(recorder.llmWrites.map((e) => e.attempt)).toEqual([1, 2]);
    expect(new Set(recorder.llmWrites.map((e) => e.requestId)).size).toBe(2);
    const after = server.stats();
    const totals = (await ledger.totals("r1", { groupBy: ["stage", "role"] })).rows;
    expect(totals).toHaveLength(1);
    expect(totals[0]?.key).toEqual({ stage: "generate", role: "generator" });
    expect(totals[0]?.requests).toBe(after.served - before.served);
    expect(totals[0]?.promptTokens).toBe(after.promptTokens - before.promptTokens);
    expect(totals[0]?.completionTokens).toBe(after.completionTokens - before.completionTokens);
    const entry = recorder.llmWrites[1] as LlmSpendEntry;
    expect(entry).toMatchObject({
      runId: "r1",
      budgetSetting: "n=2,r=1",
      problemId: "p1",
      stage: "generate",
      role: "generator",
      model: "sstar-sim",
      endpoint: "sim",
      promptTokens: second.usage.prompt,
      completionTokens: second.usage.completion,
    });
  });

  it("writes a response recorded twice once, and asks once for a key wanted twice at the same time", async () => {
    const recorder = new RecordingLedger(ledger);
    const gateway = new OpenAiGateway(new LocalKeyedStore(join(dir, "llm-cache-2")), recorder);
    const before = server.stats().served;
    const [a, b] = await Promise.all([
      gateway.complete(request("concurrent", 1, ["k0"])),
      gateway.complete(request("concurrent", 1, ["k0"])),
    ]);
    expect(a.choices[0]?.text).toBe(b.choices[0]?.text);
    expect(server.stats().served - before).toBe(1);
    expect(recorder.llmWrites).toHaveLength(1);
    // A write repeated after a lost acknowledgement stays one entry.
    const written = recorder.llmWrites[0] as LlmSpendEntry;
    expect((await ledger.recordLlm(written)).duplicate).toBe(true);
    const rows: LedgerEntry[] = [];
    for await (const e of ledger.entries("r1")) if (e.requestId === written.requestId) rows.push(e);
    expect(rows).toHaveLength(1);
  });

  it("fails a caller waiting on another's request for the same key with that request's error", async () => {
    const gateway = new OpenAiGateway(
      new LocalKeyedStore(join(dir, "llm-cache-5")),
      new RecordingLedger(ledger),
    );
    const missing = { ...request("no model either", 1, ["k0"]), model: "no-such-model" };
    const [owner, waiter] = await Promise.allSettled([gateway.complete(missing), gateway.complete(missing)]);
    expect(owner.status === "rejected" && owner.reason).toBeInstanceOf(PermanentLlmError);
    expect(waiter.status === "rejected" && waiter.reason).toBeInstanceOf(PermanentLlmError);
  });

  it("tells a failed request's kind to the recorder and records no spend", async () => {
    const recorder = new RecordingLedger(ledger);
    const gateway = new OpenAiGateway(new LocalKeyedStore(join(dir, "llm-cache-3")), recorder);
    const refused = {
      ...request("refused", 1),
      endpoint: EndpointSchema.parse({ baseUrl: "http://127.0.0.1:9/v1" }),
    };
    await expect(gateway.complete(refused)).rejects.toThrow();
    expect(recorder.errors.map((e) => e.kind)).toEqual(["connection"]);
    expect(recorder.llmWrites).toHaveLength(0);
    const missing = { ...request("no model", 1), model: "no-such-model" };
    await expect(gateway.complete(missing)).rejects.toThrow();
    expect(recorder.errors.at(-1)).toMatchObject({ kind: "not_found", runId: "r1", stage: "generate" });
  });

  it("records an execution that ran once (cache hits and concurrent asks run and write nothing); a retry that runs again is a new entry", async () => {
    const recorder = new RecordingLedger(ledger);
    let runs = 0;
    const fake: ProgramExecutor = {
      async execute(request: ExecutionRequest): Promise<ExecutionResult> {
        runs++;
        await new Promise((r) => setTimeout(r, 20));
        return {
          grader: "lcb",
          mode: "grade",
          tests: request.tests.map(() => ({ outcome: "passed", cpuMs: 100, wallMs: 150 })),
          cpuMs: 250,
          wallMs: 400,
          isolation: "process",
        };
      },
      close: async () => {},
    };
    const run: ExecutionRequest = {
      program: "print(1)",
      kind: "stdin",
      tests: [
        { input: "", expected: "1" },
        { input: "x", expected: "1" },
      ],
    };
    const cacheDir = join(dir, "exec-cache");
    const dying = new CachedExecutor(
      async () => fake,
      new DyingCache(new LocalKeyedStore(cacheDir)),
      recorder,
    );
    await expect(dying.execute(run, { ...payer(1, "sstar-run-r1--p1/7"), stage: "grade" })).rejects.toThrow(
      /killed/,
    );
    const executor = new CachedExecutor(async () => fake, new LocalKeyedStore(cacheDir), recorder);
    const results = await Promise.all([
      executor.execute(run, { ...payer(2, "sstar-run-r1--p1/7"), stage: "grade" }),
      executor.execute(run, { ...payer(2, "sstar-run-r1--p1/7"), stage: "grade" }),
    ]);
    const hit = await executor.execute(run, { ...payer(3, "sstar-run-r1--p1/7"), stage: "grade" });
    expect(results.filter((r) => !r.fromCache)).toHaveLength(1);
    expect(hit.fromCache).toBe(true);
    expect(runs).toBe(2);
    expect(recorder.sandboxWrites.map((e) => e.requestId.split(":").at(-1))).toEqual(["1", "2"]);
    expect(recorder.sandboxWrites[1]).toMatchObject({
      runId: "r1",
      budgetSetting: "n=2,r=1",
      problemId: "p1",
      stage: "grade",
      cpuSeconds: 0.25,
      wallSeconds: 0.4,
      tests: 2,
    });
    // Without a payer (e.g. `sstar exec`), nothing is recorded.
    await new CachedExecutor(
      async () => fake,
      new LocalKeyedStore(join(dir, "exec-cache-2")),
      recorder,
    ).execute(run);
    expect(recorder.sandboxWrites).toHaveLength(2);
  });

  it("a recorder failing the durable write fails the call before anything is cached", async () => {
    const failing: SpendRecorder = {
      llm: async () => {
        throw new Error("ledger unavailable");
      },
      sandbox: async () => {},
      llmError: () => {},
      problemStarted: () => {},
      problemFinished: () => {},
      problemAbandoned: () => {},
    };
    const cache = new LocalKeyedStore(join(dir, "llm-cache-4"));
    await expect(new OpenAiGateway(cache, failing).complete(request("unrecorded", 1))).rejects.toThrow(
      /ledger unavailable/,
    );
    expect(await cache.get("llm:unrecorded:k0")).toBeUndefined();
  });
});
