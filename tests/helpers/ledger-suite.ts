/**
 * The behavioural suite every SpendLedger implementation must pass (SQLite and PostgreSQL run the
 * same tests). The backend supplies targets and a raw connection; tests use unique run and request
 * ids, so a backend may hand out the same database to every test.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { type LedgerTarget, openLedger } from "../../ledger/open-ledger";
import type {
  GpuSpendEntry,
  GroupKey,
  LedgerEntry,
  LlmSpendEntry,
  SamplesSavedEntry,
  SandboxSpendEntry,
  SpendLedger,
  TotalsRow,
} from "../../ledger/types";
import { projectRoot } from "../../runtime/paths";
import { LEDGER_V1_SCHEMA } from "./ledger-v1-schema";

export interface LedgerBackend {
  /** A ledger location for one test (called inside tests, after the backend's setup). */
  target(): Promise<LedgerTarget>;
  /** Runs one SQL statement on the ledger's database without the SpendLedger API. */
  rawExec(target: LedgerTarget, sql: string): Promise<void>;
  /** A location no ledger has been opened at yet (an empty file or database). */
  emptyTarget(): Promise<LedgerTarget>;
}

const WRITER = "tests/helpers/ledger-writer.ts";

/** A writer/reader process (see ledger-writer.ts) with its stdout as a list of lines. */
export class LedgerProcess {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  private readonly exited: Promise<number | null>;
  private stderr = "";
  private closed = false;
  private waiters: (() => void)[] = [];

  constructor(job: object) {
    this.child = spawn(process.execPath, ["--import", "tsx", WRITER, JSON.stringify(job)], {
      cwd: projectRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let partial = "";
    this.child.stdout?.on("data", (chunk: Buffer) => {
      partial += chunk.toString();
      const parts = partial.split("\n");
      partial = parts.pop() ?? "";
      this.lines.push(...parts);
      for (const w of this.waiters.splice(0)) w();
    });
    this.child.stderr?.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    // "close", not "exit": every line the process printed has been read by then.
    this.exited = new Promise((resolve) =>
      this.child.once("close", (code) => {
        this.closed = true;
        for (const w of this.waiters.splice(0)) w();
        resolve(code);
      }),
    );
  }

  /** Resolves with the first line matching `test`, waiting for it (and failing if the process exits first). */
  async waitForLine(test: (line: string) => boolean, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(test);
      if (found !== undefined) return found;
      if (this.closed) {
        throw new Error(`ledger process exited (${this.child.exitCode}) first:\n${this.stderr}`);
      }
      if (Date.now() > deadline)
        throw new Error(`ledger process: no such line in ${timeoutMs} ms\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async exitCode(): Promise<number | null> {
    return this.exited;
  }

  /** SIGKILL, then wait until its output is fully read. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    await this.exited;
  }
}

function uid(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

function llm(runId: string, over: Partial<LlmSpendEntry> = {}): LlmSpendEntry {
  return {
    requestId: uid("req"),
    runId,
    budgetSetting: "n=16,r=3",
    problemId: "p1",
    stage: "generate",
    role: "generator",
    model: "Qwen/Qwen2.5-Coder-7B-Instruct",
    endpoint: "vllm",
    promptTokens: 100,
    completionTokens: 50,
    cachedTokens: 10,
    reasoningTokens: 0,
    latencyMs: 1234.5,
    attempt: 1,
    at: "2025-03-01T10:00:00.000Z",
    ...over,
  };
}

function sandbox(runId: string, over: Partial<SandboxSpendEntry> = {}): SandboxSpendEntry {
  return {
    requestId: uid("sbx"),
    runId,
    budgetSetting: "n=16,r=3",
    problemId: "p1",
    stage: "refine",
    cpuSeconds: 1.5,
    wallSeconds: 2.25,
    tests: 7,
    at: "2025-03-01T10:00:01.000Z",
    ...over,
  };
}

function saved(runId: string, problemId: string, over: Partial<SamplesSavedEntry> = {}): SamplesSavedEntry {
  return {
    requestId: `samples-saved:${runId}:${problemId}:${over.budgetSetting ?? ""}`,
    runId,
    budgetSetting: "n=16,r=3",
    problemId,
    policy: "adaptive",
    samplesBudget: 16,
    samplesDrawn: 4,
    stop: "settled",
    at: "2025-03-01T10:00:02.000Z",
    ...over,
  };
}

async function collect(ledger: SpendLedger, runId: string, pageSize?: number): Promise<LedgerEntry[]> {
  const out: LedgerEntry[] = [];
  for await (const e of ledger.entries(runId, pageSize ? { pageSize } : undefined)) out.push(e);
  return out;
}

/** A varied run: two budget settings, four stages, four roles, three models, sandbox batches. */
function fixture(runId: string): { llms: LlmSpendEntry[]; sandboxes: SandboxSpendEntry[] } {
  const llms: LlmSpendEntry[] = [];
  const sandboxes: SandboxSpendEntry[] = [];
  const plan = [
    { stage: "generate", role: "generator", model: "Qwen/Qwen2.5-Coder-7B-Instruct", endpoint: "vllm" },
    { stage: "refine", role: "debugger", model: "Qwen/Qwen2.5-Coder-7B-Instruct", endpoint: "vllm" },
    { stage: "refine", role: "debugger", model: "gpt-4o-mini-2024-07-18", endpoint: "openai" },
    { stage: "select", role: "inputSynthesizer", model: "gpt-4o-mini-2024-07-18", endpoint: "openai" },
    { stage: "select", role: "judge", model: "o1-mini", endpoint: "openai" },
  ];
  let i = 0;
  for (const budgetSetting of ["n=4,r=1", "n=16,r=3"]) {
    for (const p of plan) {
      for (let k = 0; k < 3; k++) {
        i++;
        llms.push(
          llm(runId, {
            ...p,
            budgetSetting,
            problemId: `p${k}`,
            promptTokens: 100 * i,
            completionTokens: 7 * i,
            cachedTokens: i,
            reasoningTokens: p.model === "o1-mini" ? 3 * i : 0,
            at: new Date(Date.UTC(2025, 2, 1, 10, 0, i)).toISOString(),
          }),
        );
      }
    }
    for (const stage of ["refine", "select", "grade"]) {
      i++;
      sandboxes.push(
        sandbox(runId, { budgetSetting, stage, cpuSeconds: i / 4, wallSeconds: i / 2, tests: i }),
      );
    }
  }
  return { llms, sandboxes };
}

/** The totals computed independently of SQL, by folding the fixture in JavaScript. */
function expectedRows(
  llms: LlmSpendEntry[],
  sandboxes: SandboxSpendEntry[],
  groupBy: GroupKey[],
): Omit<TotalsRow, "usage">[] {
  const rows = new Map<string, Omit<TotalsRow, "usage">>();
  const rowFor = (values: Record<GroupKey, string | null>) => {
    const key = Object.fromEntries(groupBy.map((k) => [k, values[k]]));
    const id = JSON.stringify(groupBy.map((k) => values[k]));
    let row = rows.get(id);
    if (!row) {
      row = {
        key,
        requests: 0,
        promptTokens: 0,
        completionTokens: 0,
        cachedTokens: 0,
        reasoningTokens: 0,
        sandboxBatches: 0,
        cpuSeconds: 0,
        wallSeconds: 0,
        tests: 0,
        gpuSeconds: 0,
      };
      rows.set(id, row);
    }
    return row;
  };
  for (const e of llms) {
    const row = rowFor({ stage: e.stage, role: e.role, model: e.model, budgetSetting: e.budgetSetting });
    row.requests++;
    row.promptTokens += e.promptTokens;
    row.completionTokens += e.completionTokens;
    row.cachedTokens += e.cachedTokens;
    row.reasoningTokens += e.reasoningTokens;
  }
  for (const e of sandboxes) {
    const row = rowFor({ stage: e.stage, role: null, model: null, budgetSetting: e.budgetSetting });
    row.sandboxBatches++;
    row.cpuSeconds += e.cpuSeconds;
    row.wallSeconds += e.wallSeconds;
    row.tests += e.tests;
  }
  return [...rows.values()];
}

function withoutUsage(rows: TotalsRow[]): Omit<TotalsRow, "usage">[] {
  return rows.map(({ usage: _usage, ...rest }) => ({
    ...rest,
    // Float sums may differ in the last bits by summation order.
    cpuSeconds: Math.round(rest.cpuSeconds * 1e9) / 1e9,
    wallSeconds: Math.round(rest.wallSeconds * 1e9) / 1e9,
  }));
}

function byKey(rows: Omit<TotalsRow, "usage">[]): Omit<TotalsRow, "usage">[] {
  return [...rows]
    .map((r) => ({
      ...r,
      cpuSeconds: Math.round(r.cpuSeconds * 1e9) / 1e9,
      wallSeconds: Math.round(r.wallSeconds * 1e9) / 1e9,
    }))
    .sort((a, b) => (JSON.stringify(a.key) < JSON.stringify(b.key) ? -1 : 1));
}

export function ledgerBehaviourSuite(name: string, backend: LedgerBackend): void {
  const withLedger = async <T>(fn: (ledger: SpendLedger, target: LedgerTarget) => Promise<T>): Promise<T> => {
    const target = await backend.target();
    const ledger = await openLedger(target);
    try {
      return await fn(ledger, target);
    } finally {
      await ledger.close();
    }
  };

  describe(`${name}: idempotency`, () => {
    it("counts an LLM entry once when written twice with the same requestId, and reports the duplicate", () =>
      withLedger(async (ledger) => {
        const runId = uid("run");
        const first = llm(runId);
        expect(await ledger.recordLlm(first)).toEqual({ duplicate: false });
        // A retried activity may report other numbers for the same request: the first write wins.
        const again = { ...first, promptTokens: 999, attempt: 2, at: "2025-03-01T11:00:00Z" };
        expect(await ledger.recordLlm(again)).toEqual({ duplicate: true });
        const totals = await ledger.totals(runId);
        expect(totals.rows).toHaveLength(1);
        expect(totals.rows[0]).toMatchObject({ requests: 1, promptTokens: 100, completionTokens: 50 });
        const entries = await collect(ledger, runId);
        expect(entries).toHaveLength(1);
        expect(entries[0]).toMatchObject({ kind: "llm", ...first, attempt: 1 });
      }));

    it("counts a sandbox batch once, and a requestId is unique across both kinds", () =>
      withLedger(async (ledger) => {
        const runId = uid("run");
        const batch = sandbox(runId);
        expect(await ledger.recordSandbox(batch)).toEqual({ duplicate: false });
        expect(await ledger.recordSandbox({ ...batch, cpuSeconds: 50 })).toEqual({ duplicate: true });
        expect(await ledger.recordLlm(llm(runId, { requestId: batch.requestId }))).toEqual({
          duplicate: true,
        });
        const [row] = (await ledger.totals(runId)).rows;
        expect(row).toMatchObject({
          requests: 0,
          sandboxBatches: 1,
          cpuSeconds: 1.5,
          wallSeconds: 2.25,
          tests: 7,
        });
      }));

    it("lets exactly one of many concurrent writes of the same requestId through", () =>
      withLedger(async (ledger) => {
        const runId = uid("run");
        const entry = llm(runId);
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, attempt) => ledger.recordLlm({ ...entry, attempt })),
        );
        expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
        expect((await ledger.totals(runId)).rows[0]?.requests).toBe(1);
      }));
  });

  describe(`${name}: totals and entries`, () => {
    const groupings: GroupKey[][] = [
      [],
      ["stage"],
      ["role"],
      ["model"],
      ["budgetSetting"],
      ["budgetSetting", "stage"],
      ["stage", "role", "model"],
      ["budgetSetting", "stage", "role", "model"],
    ];

    it("sums by stage, role, model and budget setting exactly as a fold over the entries does", () =>
      withLedger(async (ledger) => {
        const runId = uid("run");
        const other = uid("other-run");
        const { llms, sandboxes } = fixture(runId);
        for (const e of llms) expect((await ledger.recordLlm(e)).duplicate).toBe(false);
        for (const e of sandboxes) expect((await ledger.recordSandbox(e)).duplicate).toBe(false);
        await ledger.recordLlm(llm(other, { promptTokens: 1_000_000 }));
        await ledger.recordSandbox(sandbox(other, { cpuSeconds: 1000 }));

        for (const groupBy of groupings) {
          const totals = await ledger.totals(runId, { groupBy });
          expect(totals.runId).toBe(runId);
          expect(totals.groupBy).toEqual(groupBy);
          expect(byKey(withoutUsage(totals.rows)), `groupBy ${groupBy.join(",")}`).toEqual(
            byKey(expectedRows(llms, sandboxes, groupBy)),
          );
          // The pricing basis adds up to each row's token counts.
          for (const row of totals.rows) {
            const sum = (f: (u: TotalsRow["usage"][number]) => number) =>
              row.usage.reduce((s, u) => s + f(u), 0);
            expect(sum((u) => u.requests)).toBe(row.requests);
            expect(sum((u) => u.promptTokens)).toBe(row.promptTokens);
            expect(sum((u) => u.completionTokens)).toBe(row.completionTokens);
          }
        }

        const byStage = await ledger.totals(runId, { groupBy: ["stage"] });
        expect(byStage.rows.map((r) => r.key.stage)).toEqual(["generate", "grade", "refine", "select"]);
        const byRole = await ledger.totals(runId, { groupBy: ["role"] });
        // Sandbox batches have no role: their row's role is null and comes first.
        expect(byRole.rows.map((r) => r.key.role)).toEqual([
          null,
          "debugger",
          "generator",
          "inputSynthesizer",
          "judge",
        ]);
        expect(byRole.rows[0]).toMatchObject({ requests: 0, sandboxBatches: 6 });
        const whole = await ledger.totals(runId);
        expect(whole.rows).toHaveLength(1);
        expect(whole.rows[0]?.usage.map((u) => `${u.model}@${u.endpoint}`)).toEqual([
          "Qwen/Qwen2.5-Coder-7B-Instruct@vllm",
          "gpt-4o-mini-2024-07-18@openai",
          "o1-mini@openai",
        ]);
        expect(await ledger.totals(uid("empty"))).toMatchObject({ rows: [] });
      }));

    it("lists the runs with entries recorded since a time, and rejects a time it cannot read", () =>
      withLedger(async (ledger) => {
        const before = new Date(Date.now() - 1000).toISOString();
        const runA = uid("since-a");
        const runB = uid("since-b");
        await ledger.recordLlm(llm(runA));
        await ledger.recordSandbox(sandbox(runB));
        const runs = await ledger.runsSince(before);
        expect(runs).toEqual(expect.arrayContaining([runA, runB]));
        expect([...runs].sort()).toEqual(runs);
        expect(await ledger.runsSince(new Date(Date.now() + 60_000).toISOString())).toEqual([]);
        await expect(ledger.runsSince("yesterday")).rejects.toThrow(/ISO 8601/);
      }));

    it("rejects an unknown or repeated grouping key", () =>
      withLedger(async (ledger) => {
        await expect(ledger.totals("r", { groupBy: ["problem" as GroupKey] })).rejects.toThrow(
          /cannot group by/,
        );
        await expect(ledger.totals("r", { groupBy: ["stage", "stage"] })).rejects.toThrow(/repeats/);
      }));

    it("pages through every entry of a run in (at, requestId) order, with all fields", () =>
      withLedger(async (ledger) => {
        const runId = uid("run");
        const written: (LlmSpendEntry | SandboxSpendEntry)[] = [];
        for (let i = 0; i < 23; i++) {
          // Several entries share a time, so the requestId tie-break is exercised across page borders.
          const at = `2025-03-01T10:00:0${Math.floor(i / 4)}+00:00`;
          const e =
            i % 3 === 0
              ? sandbox(runId, { at, requestId: `x-${i}` })
              : llm(runId, { at, requestId: `x-${i}` });
          written.push(e);
          if ("role" in e) await ledger.recordLlm(e);
          else await ledger.recordSandbox(e);
        }
        await ledger.recordLlm(llm(uid("other-run")));
        const read = await collect(ledger, runId, 4);
        const expected = written
          .map((e) => ({ ...e, at: new Date(e.at).toISOString() }))
          .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.requestId < b.requestId ? -1 : 1));
        expect(read.map((e) => e.requestId)).toEqual(expected.map((e) => e.requestId));
        for (const [k, e] of read.entries()) {
          const { kind, recordedAt, ...fields } = e;
          expect(kind).toBe("role" in (expected[k] as object) ? "llm" : "sandbox");
          expect(Number.isNaN(Date.parse(recordedAt))).toBe(false);
          expect(fields).toEqual(expected[k]);
        }
        expect(await collect(ledger, runId)).toEqual(read);
      }));

    it("rejects malformed entries and writes nothing for them", () =>
      withLedger(async (ledger) => {
        const runId = uid("run");
        await expect(ledger.recordLlm(llm(runId, { promptTokens: -1 }))).rejects.toThrow(/promptTokens/);
        await expect(ledger.recordLlm(llm(runId, { completionTokens: 1.5 }))).rejects.toThrow(
          /completionTokens/,
        );
        await expect(ledger.recordLlm(llm(runId, { at: "yesterday" }))).rejects.toThrow(/at/);
        await expect(ledger.recordLlm(llm(runId, { requestId: "" }))).rejects.toThrow(/requestId/);
        await expect(ledger.recordSandbox(sandbox(runId, { cpuSeconds: Number.NaN }))).rejects.toThrow(
          /cpuSeconds/,
        );
        const { stage: _stage, ...noStage } = sandbox(runId);
        await expect(ledger.recordSandbox(noStage as SandboxSpendEntry)).rejects.toThrow(/stage/);
        expect(await collect(ledger, runId)).toEqual([]);
      }));

    it("keeps its entries when opened again (schema creation is idempotent)", async () => {
      const target = await backend.target();
      const runId = uid("run");
      const first = await openLedger(target);
      await first.recordLlm(llm(runId));
      await first.close();
      const second = await openLedger(target);
      try {
        expect((await second.totals(runId)).rows[0]?.requests).toBe(1);
      } finally {
        await second.close();
      }
    });
  });

  describe(`${name}: append-only`, () => {
    it("offers no method that changes or removes entries", () =>
      withLedger(async (ledger) => {
        const methods = new Set<string>();
        for (let o: object | null = ledger; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
          for (const k of Object.getOwnPropertyNames(o)) {
            if (
              typeof (ledger as unknown as Record<string, unknown>)[k] === "function" &&
              k !== "constructor"
            ) {
              methods.add(k);
            }
          }
        }
        const mutating = [...methods].filter((m) =>
          /^(update|delete|remove|drop|truncate|clear|reset|edit|modify|upsert|replace|put|set|write|amend)/i.test(
            m,
          ),
        );
        expect(mutating).toEqual([]);
        for (const m of ["recordLlm", "recordSandbox", "totals", "runsSince", "entries", "close"])
          expect(methods).toContain(m);
      }));

    it("refuses UPDATE and DELETE even through a raw connection", async () => {
      const target = await backend.target();
      const runId = uid("run");
      const ledger = await openLedger(target);
      try {
        await ledger.recordLlm(llm(runId));
        await expect(
          backend.rawExec(target, `UPDATE spend_entries SET prompt_tokens = 0 WHERE run_id = '${runId}'`),
        ).rejects.toThrow(/append-only/);
        await expect(
          backend.rawExec(target, `DELETE FROM spend_entries WHERE run_id = '${runId}'`),
        ).rejects.toThrow(/append-only/);
        expect((await ledger.totals(runId)).rows[0]).toMatchObject({ requests: 1, promptTokens: 100 });
      } finally {
        await ledger.close();
      }
    });
  });

  describe(`${name}: GPU time (schema version 2)`, () => {
    const gpu = (runId: string, over: Partial<GpuSpendEntry> = {}): GpuSpendEntry => ({
      requestId: uid("gpu"),
      runId,
      budgetSetting: "n=16,r=3",
      stage: "generate",
      model: "m-gpu",
      endpoint: "vllm",
      gpuSeconds: 12.5,
      from: "2025-03-01T10:00:00Z",
      to: "2025-03-01T10:00:30Z",
      at: "2025-03-01T10:02:30Z",
      ...over,
    });

    it("records GPU entries once by requestId and sums them into the rows and the (model, endpoint) usage", () =>
      withLedger(async (ledger) => {
        const runId = uid("run");
        const first = gpu(runId);
        expect(await ledger.recordGpu(first)).toEqual({ duplicate: false });
        expect(await ledger.recordGpu({ ...first, gpuSeconds: 99 })).toEqual({ duplicate: true });
        await ledger.recordGpu(gpu(runId, { stage: "idle", gpuSeconds: 2 }));
        await ledger.recordGpu(gpu(runId, { stage: "generate", gpuSeconds: 0.5 }));
        await ledger.recordLlm(llm(runId, { stage: "generate", model: "m-gpu", endpoint: "vllm" }));
        await ledger.recordGpu(gpu(uid("other-run"), { gpuSeconds: 1000 }));

        const [whole] = (await ledger.totals(runId)).rows;
        expect(whole?.gpuSeconds).toBeCloseTo(15, 9);
        expect(whole?.usage).toEqual([
          expect.objectContaining({ model: "m-gpu", endpoint: "vllm", requests: 1, gpuSeconds: 15 }),
        ]);
        const byStage = await ledger.totals(runId, { groupBy: ["stage", "role"] });
        const rows = byStage.rows.map((r) => [r.key.stage, r.key.role, r.requests, r.gpuSeconds]);
        expect(rows).toEqual([
          ["generate", null, 0, 13],
          ["generate", "generator", 1, 0],
          ["idle", null, 0, 2],
        ]);
      }));

    it("reads every run's responses from one model in a window, and the runs that used it", () =>
      withLedger(async (ledger) => {
        const model = uid("model");
        const a = uid("run-a");
        const b = uid("run-b");
        await ledger.recordLlm(
          llm(a, { model, at: "2025-03-01T10:00:05Z", latencyMs: 4000, completionTokens: 40 }),
        );
        await ledger.recordLlm(llm(b, { model, at: "2025-03-01T10:00:20Z", completionTokens: 10 }));
        await ledger.recordLlm(llm(b, { model, at: "2025-03-01T10:01:00Z" }));
        await ledger.recordLlm(llm(a, { model: `${model}-other`, at: "2025-03-01T10:00:10Z" }));
        const activity = await ledger.llmActivity(model, "2025-03-01T10:00:00Z", "2025-03-01T10:00:30Z");
        expect(activity.map((x) => [x.runId, x.at, x.latencyMs, x.completionTokens])).toEqual([
          [a, "2025-03-01T10:00:05.000Z", 4000, 40],
          [b, "2025-03-01T10:00:20.000Z", expect.any(Number), 10],
        ]);
        expect(await ledger.runsUsingModel(model, "2025-03-01T10:00:00Z", "2025-03-01T10:00:10Z")).toEqual([
          a,
        ]);
        expect(await ledger.runsUsingModel(model, "2025-03-01T10:00:00Z", "2025-03-01T11:00:00Z")).toEqual(
          [a, b].sort(),
        );
      }));

    it("migrates a version-1 ledger in place: its entries kept, GPU entries and saved samples added, version 3; a newer version is refused", async () => {
      const target = await backend.emptyTarget();
      const runId = uid("run");
      await backend.rawExec(target, LEDGER_V1_SCHEMA);
      await backend.rawExec(
        target,
        `INSERT INTO spend_entries (request_id, kind, run_id, budget_setting, problem_id, stage, role, model, endpoint, prompt_tokens, completion_tokens, at, recorded_at) VALUES ('old-1', 'llm', '${runId}', 'n=16,r=3', 'p1', 'generate', 'generator', 'm-gpu', 'vllm', 100, 50, '2025-03-01T10:00:00.000Z', '2025-03-01T10:00:01.000Z')`,
      );
      const ledger = await openLedger(target);
      try {
        await ledger.recordGpu(gpu(runId, { gpuSeconds: 3 }));
        const [row] = (await ledger.totals(runId)).rows;
        expect(row).toMatchObject({ requests: 1, promptTokens: 100, completionTokens: 50, gpuSeconds: 3 });
      } finally {
        await ledger.close();
      }
      // Opened again: nothing left to migrate.
      await (await openLedger(target)).close();
      await backend.rawExec(target, "UPDATE ledger_meta SET value = '4' WHERE key = 'schema_version'");
      await expect(openLedger(target)).rejects.toThrow(
        /ledger schema version 4 is not the version this sstar knows \(3\)/,
      );
    });

    it("migrates a version-2 ledger (GPU entries, no saved samples) in place to version 3", async () => {
      const target = await backend.emptyTarget();
      const runId = uid("run");
      await backend.rawExec(target, LEDGER_V1_SCHEMA);
      await backend.rawExec(
        target,
        "CREATE TABLE gpu_entries (request_id TEXT PRIMARY KEY, run_id TEXT NOT NULL, budget_setting TEXT NOT NULL, stage TEXT NOT NULL, model TEXT NOT NULL, endpoint TEXT NOT NULL, gpu_seconds DOUBLE PRECISION NOT NULL, slice_from TEXT NOT NULL, slice_to TEXT NOT NULL, at TEXT NOT NULL, recorded_at TEXT NOT NULL)",
      );
      await backend.rawExec(target, "UPDATE ledger_meta SET value = '2' WHERE key = 'schema_version'");
      const ledger = await openLedger(target);
      try {
        await ledger.recordSamplesSaved(saved(runId, "p1"));
        expect((await ledger.samplesSaved(runId))[0]).toMatchObject({ samplesSaved: 12 });
      } finally {
        await ledger.close();
      }
    });

    it("keeps what an adaptive budget did not draw: once per request id, summed per budget setting and reason", () =>
      withLedger(async (ledger) => {
        const runId = uid("run");
        expect(await ledger.samplesSaved(runId)).toEqual([]);
        const first = saved(runId, "p1");
        expect(await ledger.recordSamplesSaved(first)).toEqual({ duplicate: false });
        expect(await ledger.recordSamplesSaved(first)).toEqual({ duplicate: true });
        await ledger.recordSamplesSaved(saved(runId, "p2", { samplesDrawn: 16, stop: "budget" }));
        await ledger.recordSamplesSaved(saved(runId, "p3", { samplesDrawn: 8, stop: "hopeless" }));
        await ledger.recordSamplesSaved(saved(runId, "p4", { budgetSetting: "n=8,r=2", samplesBudget: 8 }));
        expect(await ledger.samplesSaved(runId)).toEqual([
          {
            budgetSetting: "n=16,r=3",
            problems: 3,
            samplesBudget: 48,
            samplesDrawn: 28,
            samplesSaved: 20,
            stopped: { settled: 1, budget: 1, hopeless: 1 },
          },
          {
            budgetSetting: "n=8,r=2",
            problems: 1,
            samplesBudget: 8,
            samplesDrawn: 4,
            samplesSaved: 4,
            stopped: { settled: 1 },
          },
        ]);
        // Saved samples are not spend: the run's totals hold none of them.
        expect((await ledger.totals(runId)).rows).toEqual([]);
      }));

    it("refuses a saved-samples entry that drew more than its budget, naming the field", () =>
      withLedger(async (ledger) => {
        await expect(
          ledger.recordSamplesSaved(saved(uid("run"), "p1", { samplesDrawn: 20 })),
        ).rejects.toThrow(/samplesDrawn/);
      }));

    it("refuses UPDATE and DELETE of saved samples through a raw connection", async () => {
      const target = await backend.target();
      const runId = uid("run");
      const ledger = await openLedger(target);
      try {
        await ledger.recordSamplesSaved(saved(runId, "p1"));
        await expect(
          backend.rawExec(target, `UPDATE samples_saved SET samples_drawn = 0 WHERE run_id = '${runId}'`),
        ).rejects.toThrow(/append-only/);
        await expect(
          backend.rawExec(target, `DELETE FROM samples_saved WHERE run_id = '${runId}'`),
        ).rejects.toThrow(/append-only/);
      } finally {
        await ledger.close();
      }
    });

    it("refuses UPDATE and DELETE of GPU entries through a raw connection", async () => {
      const target = await backend.target();
      const runId = uid("run");
      const ledger = await openLedger(target);
      try {
        await ledger.recordGpu(gpu(runId));
        await expect(
          backend.rawExec(target, `UPDATE gpu_entries SET gpu_seconds = 0 WHERE run_id = '${runId}'`),
        ).rejects.toThrow(/append-only/);
        await expect(
          backend.rawExec(target, `DELETE FROM gpu_entries WHERE run_id = '${runId}'`),
        ).rejects.toThrow(/append-only/);
        expect((await ledger.totals(runId)).rows[0]?.gpuSeconds).toBe(12.5);
      } finally {
        await ledger.close();
      }
    });
  });

  describe(`${name}: across processes`, () => {
    it("keeps every write that resolved in a process SIGKILLed right after it; a new process reads them back", async () => {
      const target = await backend.target();
      const runId = uid("run");
      const count = 100_000;
      const writer = new LedgerProcess({ mode: "write", target, runId, count, hold: true });
      try {
        // Kill while the writer is still writing: right after it reported its 25th write resolved.
        await writer.waitForLine((l) => l.startsWith(`written ${runId}-24 `));
        await writer.kill();
      } finally {
        await writer.kill();
      }
      const acknowledged = writer.lines.filter((l) => l.startsWith("written ")).map((l) => l.split(" ")[1]);
      expect(acknowledged.length).toBeGreaterThanOrEqual(25);
      expect(acknowledged.length).toBeLessThan(count);

      const reader = new LedgerProcess({ mode: "read", target, runId });
      try {
        const line = await reader.waitForLine((l) => l.startsWith("ids "));
        const stored = JSON.parse(line.slice(4)) as string[];
        expect(stored).toEqual(expect.arrayContaining(acknowledged));
        // At most the write in flight at the kill may also have landed.
        expect(stored.length - acknowledged.length).toBeLessThanOrEqual(1);
        expect(await reader.exitCode()).toBe(0);
      } finally {
        await reader.kill();
      }
    });

    it("loses no entry when two processes write the same ledger at once, and counts shared ids once", async () => {
      const target = await backend.target();
      const runId = uid("run");
      const own = (p: string) => Array.from({ length: 150 }, (_, i) => `${runId}-${p}-${i}`);
      const shared = Array.from({ length: 50 }, (_, i) => `${runId}-shared-${i}`);
      const a = new LedgerProcess({ mode: "write", target, runId, ids: interleave(own("a"), shared) });
      const b = new LedgerProcess({
        mode: "write",
        target,
        runId,
        ids: interleave(own("b"), [...shared].reverse()),
      });
      try {
        const [doneA, doneB] = await Promise.all([
          a.waitForLine((l) => l.startsWith("done "), 60_000),
          b.waitForLine((l) => l.startsWith("done "), 60_000),
        ]);
        expect([await a.exitCode(), await b.exitCode()]).toEqual([0, 0]);
        const freshA = Number(doneA.split(" ")[1]);
        const freshB = Number(doneB.split(" ")[1]);
        // Each shared id was new for exactly one of the two writers.
        expect(freshA + freshB).toBe(350);
        expect(freshA).toBeGreaterThanOrEqual(150);
        expect(freshB).toBeGreaterThanOrEqual(150);
      } finally {
        await Promise.all([a.kill(), b.kill()]);
      }
      await withLedgerAt(target, async (ledger) => {
        const entries = await collect(ledger, runId, 64);
        expect(new Set(entries.map((e) => e.requestId)).size).toBe(350);
        expect(entries).toHaveLength(350);
        expect((await ledger.totals(runId)).rows[0]).toMatchObject({
          requests: 350,
          promptTokens: 350,
          completionTokens: 700,
        });
      });
    });
  });
}

function interleave(a: string[], b: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (i < a.length) out.push(a[i] as string);
    if (i < b.length) out.push(b[i] as string);
  }
  return out;
}

async function withLedgerAt(target: LedgerTarget, fn: (ledger: SpendLedger) => Promise<void>): Promise<void> {
  const ledger = await openLedger(target);
  try {
    await fn(ledger);
  } finally {
    await ledger.close();
  }
}
