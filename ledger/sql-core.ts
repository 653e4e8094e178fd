/**
 * The SQL both implementations share: the insert, the totals query and its folding into rows,
 * and keyset paging of entries. A dialect only supplies placeholders and a way to run a statement.
 */
import { ENTRY_COLUMNS, GPU_COLUMNS, LEDGER_SCHEMA_VERSION, SAMPLES_SAVED_COLUMNS } from "./schema";
import {
  type GpuSpendEntry,
  type GroupKey,
  type LedgerEntry,
  type LlmActivity,
  type LlmSpendEntry,
  type ModelUsage,
  type SamplesSavedEntry,
  type SamplesSavedRow,
  type SandboxSpendEntry,
  type Totals,
  type TotalsKey,
  type TotalsOptions,
  type TotalsRow,
  validateGpuEntry,
  validateGroupBy,
  validateLlmEntry,
  validateSamplesSavedEntry,
  validateSandboxEntry,
} from "./types";

export interface SqlExecutor {
  /** `$1`-style on PostgreSQL, `?` on SQLite; `index` is 1-based. */
  placeholder(index: number): string;
  /** Runs a write; resolves with the number of rows it inserted or changed, once it is durable. */
  run(sql: string, params: readonly unknown[]): Promise<number>;
  all(sql: string, params: readonly unknown[]): Promise<Record<string, unknown>[]>;
}

const GROUP_COLUMNS: Record<GroupKey, string> = {
  stage: "stage",
  role: "role",
  model: "model",
  budgetSetting: "budget_setting",
};

function insertSql(db: SqlExecutor): string {
  const values = ENTRY_COLUMNS.map((_, i) => db.placeholder(i + 1)).join(", ");
  return (
    `INSERT INTO spend_entries (${ENTRY_COLUMNS.join(", ")}) VALUES (${values}) ` +
    "ON CONFLICT (request_id) DO NOTHING"
  );
}

export function llmRow(input: LlmSpendEntry, recordedAt: string): unknown[] {
  const e = validateLlmEntry(input);
  return [
    e.requestId,
    "llm",
    e.runId,
    e.budgetSetting,
    e.problemId,
    e.stage,
    e.role,
    e.model,
    e.endpoint,
    e.promptTokens,
    e.completionTokens,
    e.cachedTokens,
    e.reasoningTokens,
    e.latencyMs,
    e.attempt,
    0,
    0,
    0,
    e.at,
    recordedAt,
  ];
}

export function sandboxRow(input: SandboxSpendEntry, recordedAt: string): unknown[] {
  const e = validateSandboxEntry(input);
  return [
    e.requestId,
    "sandbox",
    e.runId,
    e.budgetSetting,
    e.problemId,
    e.stage,
    null,
    null,
    null,
    0,
    0,
    0,
    0,
    null,
    null,
    e.cpuSeconds,
    e.wallSeconds,
    e.tests,
    e.at,
    recordedAt,
  ];
}

export function gpuRow(input: GpuSpendEntry, recordedAt: string): unknown[] {
  const e = validateGpuEntry(input);
  return [
    e.requestId,
    e.runId,
    e.budgetSetting,
    e.stage,
    e.model,
    e.endpoint,
    e.gpuSeconds,
    e.from,
    e.to,
    e.at,
    recordedAt,
  ];
}

/** Inserts one GPU row; true when it was new. */
export async function insertGpuEntry(db: SqlExecutor, row: unknown[]): Promise<boolean> {
  const values = GPU_COLUMNS.map((_, i) => db.placeholder(i + 1)).join(", ");
  const sql =
    `INSERT INTO gpu_entries (${GPU_COLUMNS.join(", ")}) VALUES (${values}) ` +
    "ON CONFLICT (request_id) DO NOTHING";
  return (await db.run(sql, row)) === 1;
}

/** Inserts one saved-samples row; true when it was new. */
export async function insertSamplesSaved(
  db: SqlExecutor,
  input: SamplesSavedEntry,
  recordedAt: string,
): Promise<boolean> {
  const e = validateSamplesSavedEntry(input);
  const values = SAMPLES_SAVED_COLUMNS.map((_, i) => db.placeholder(i + 1)).join(", ");
  const sql =
    `INSERT INTO samples_saved (${SAMPLES_SAVED_COLUMNS.join(", ")}) VALUES (${values}) ` +
    "ON CONFLICT (request_id) DO NOTHING";
  const row = [
    e.requestId,
    e.runId,
    e.budgetSetting,
    e.problemId,
    e.policy,
    e.samplesBudget,
    e.samplesDrawn,
    e.stop,
    e.at,
    recordedAt,
  ];
  return (await db.run(sql, row)) === 1;
}

export async function querySamplesSaved(db: SqlExecutor, runId: string): Promise<SamplesSavedRow[]> {
  const raw = await db.all(
    "SELECT budget_setting, stop_reason, COUNT(*) AS problems, SUM(samples_budget) AS samples_budget, " +
      `SUM(samples_drawn) AS samples_drawn FROM samples_saved WHERE run_id = ${db.placeholder(1)} ` +
      "GROUP BY budget_setting, stop_reason",
    [runId],
  );
  const rows = new Map<string, SamplesSavedRow>();
  for (const r of raw) {
    const budgetSetting = String(r.budget_setting);
    let row = rows.get(budgetSetting);
    if (!row) {
      row = { budgetSetting, problems: 0, samplesBudget: 0, samplesDrawn: 0, samplesSaved: 0, stopped: {} };
      rows.set(budgetSetting, row);
    }
    row.problems += num(r.problems);
    row.samplesBudget += num(r.samples_budget);
    row.samplesDrawn += num(r.samples_drawn);
    row.samplesSaved = row.samplesBudget - row.samplesDrawn;
    row.stopped[String(r.stop_reason)] = num(r.problems);
  }
  return [...rows.values()].sort((a, b) => compareNullable(a.budgetSetting, b.budgetSetting));
}

function isoOrThrow(what: string, value: string): string {
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw new TypeError(`${what}: not an ISO 8601 time: ${value}`);
  return at.toISOString();
}

export async function queryLlmActivity(
  db: SqlExecutor,
  model: string,
  from: string,
  to: string,
): Promise<LlmActivity[]> {
  const p = (i: number) => db.placeholder(i);
  const raw = await db.all(
    "SELECT run_id, budget_setting, stage, endpoint, at, latency_ms, completion_tokens FROM spend_entries " +
      `WHERE kind = 'llm' AND model = ${p(1)} AND at >= ${p(2)} AND at < ${p(3)} ORDER BY at, request_id`,
    [model, isoOrThrow("llmActivity", from), isoOrThrow("llmActivity", to)],
  );
  return raw.map((r) => ({
    runId: String(r.run_id),
    budgetSetting: String(r.budget_setting),
    stage: String(r.stage),
    endpoint: String(r.endpoint),
    at: String(r.at),
    latencyMs: num(r.latency_ms),
    completionTokens: num(r.completion_tokens),
  }));
}

export async function queryRunsUsingModel(
  db: SqlExecutor,
  model: string,
  from: string,
  to: string,
): Promise<string[]> {
  const p = (i: number) => db.placeholder(i);
  const raw = await db.all(
    `SELECT DISTINCT run_id FROM spend_entries WHERE kind = 'llm' AND model = ${p(1)} AND at >= ${p(2)} AND at < ${p(3)}`,
    [model, isoOrThrow("runsUsingModel", from), isoOrThrow("runsUsingModel", to)],
  );
  return raw.map((r) => String(r.run_id)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Inserts one row; true when it was new, false when its requestId was already present. */
export async function insertEntry(db: SqlExecutor, row: unknown[]): Promise<boolean> {
  const changed = await db.run(insertSql(db), row);
  return changed === 1;
}

/** Counters come back as strings from PostgreSQL's BIGINT/NUMERIC; as numbers from SQLite. */
function num(v: unknown): number {
  if (v === null || v === undefined) return 0;
  return typeof v === "number" ? v : Number(v);
}

function str(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

/** Code-point order with nulls first: identical on both databases whatever their collation. */
function compareNullable(a: string | null | undefined, b: string | null | undefined): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  return a < b ? -1 : 1;
}

export async function queryRunsSince(db: SqlExecutor, since: string): Promise<string[]> {
  const at = new Date(since);
  if (Number.isNaN(at.getTime())) throw new TypeError(`runsSince: not an ISO 8601 time: ${since}`);
  const raw = await db.all(
    `SELECT DISTINCT run_id FROM spend_entries WHERE recorded_at >= ${db.placeholder(1)}`,
    [at.toISOString()],
  );
  return raw.map((r) => String(r.run_id)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export async function queryTotals(db: SqlExecutor, runId: string, options?: TotalsOptions): Promise<Totals> {
  const groupBy = validateGroupBy(options?.groupBy);
  const dims = groupBy.map((k) => GROUP_COLUMNS[k]);
  // Always split by (kind, model, endpoint) as well: that is what prices apply to.
  const groupCols = [...new Set([...dims, "kind", "model", "endpoint"])];
  const sql =
    `SELECT ${groupCols.join(", ")}, COUNT(*) AS entries, ` +
    "SUM(prompt_tokens) AS prompt_tokens, SUM(completion_tokens) AS completion_tokens, " +
    "SUM(cached_tokens) AS cached_tokens, SUM(reasoning_tokens) AS reasoning_tokens, " +
    "SUM(cpu_seconds) AS cpu_seconds, SUM(wall_seconds) AS wall_seconds, SUM(tests) AS tests " +
    `FROM spend_entries WHERE run_id = ${db.placeholder(1)} GROUP BY ${groupCols.join(", ")}`;
  const raw = await db.all(sql, [runId]);
  // GPU rows have no role: grouping by it puts them under null, as sandbox batches are.
  const gpuDims = groupBy.map((k) => (k === "role" ? "NULL AS role" : GROUP_COLUMNS[k]));
  const gpuGroup = [
    ...new Set([...groupBy.filter((k) => k !== "role").map((k) => GROUP_COLUMNS[k]), "model", "endpoint"]),
  ];
  const gpuSelect = [...new Set([...gpuDims, "model", "endpoint"])];
  const gpuRaw = await db.all(
    `SELECT ${gpuSelect.join(", ")}, 'gpu' AS kind, SUM(gpu_seconds) AS gpu_seconds FROM gpu_entries ` +
      `WHERE run_id = ${db.placeholder(1)} GROUP BY ${gpuGroup.join(", ")}`,
    [runId],
  );

  const rows = new Map<string, TotalsRow>();
  for (const r of [...raw, ...gpuRaw]) {
    const key: TotalsKey = {};
    for (const k of groupBy) {
      const v = str(r[GROUP_COLUMNS[k]]);
      if (k === "stage" || k === "budgetSetting") key[k] = v ?? "";
      else key[k] = v;
    }
    const id = JSON.stringify(groupBy.map((k) => key[k]));
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
        usage: [],
      };
      rows.set(id, row);
    }
    const n = num(r.entries);
    if (r.kind === "llm") {
      const u: ModelUsage = {
        model: str(r.model) ?? "",
        endpoint: str(r.endpoint) ?? "",
        requests: n,
        promptTokens: num(r.prompt_tokens),
        completionTokens: num(r.completion_tokens),
        cachedTokens: num(r.cached_tokens),
        reasoningTokens: num(r.reasoning_tokens),
        gpuSeconds: 0,
      };
      row.requests += u.requests;
      row.promptTokens += u.promptTokens;
      row.completionTokens += u.completionTokens;
      row.cachedTokens += u.cachedTokens;
      row.reasoningTokens += u.reasoningTokens;
      mergeUsage(row.usage, u);
    } else if (r.kind === "gpu") {
      const gpuSeconds = num(r.gpu_seconds);
      row.gpuSeconds += gpuSeconds;
      mergeUsage(row.usage, {
        model: str(r.model) ?? "",
        endpoint: str(r.endpoint) ?? "",
        requests: 0,
        promptTokens: 0,
        completionTokens: 0,
        cachedTokens: 0,
        reasoningTokens: 0,
        gpuSeconds,
      });
    } else {
      row.sandboxBatches += n;
      row.cpuSeconds += num(r.cpu_seconds);
      row.wallSeconds += num(r.wall_seconds);
      row.tests += num(r.tests);
    }
  }

  const sorted = [...rows.values()].sort((a, b) => {
    for (const k of groupBy) {
      const c = compareNullable(a.key[k], b.key[k]);
      if (c !== 0) return c;
    }
    return 0;
  });
  for (const row of sorted) {
    row.usage.sort((a, b) => compareNullable(a.model, b.model) || compareNullable(a.endpoint, b.endpoint));
  }
  return { runId, groupBy, rows: sorted };
}

/** Adds a (model, endpoint) usage to a row's list, summing into the pair's entry if it has one. */
function mergeUsage(usage: ModelUsage[], u: ModelUsage): void {
  const same = usage.find((x) => x.model === u.model && x.endpoint === u.endpoint);
  if (!same) {
    usage.push(u);
    return;
  }
  same.requests += u.requests;
  same.promptTokens += u.promptTokens;
  same.completionTokens += u.completionTokens;
  same.cachedTokens += u.cachedTokens;
  same.reasoningTokens += u.reasoningTokens;
  same.gpuSeconds += u.gpuSeconds;
}

function toEntry(r: Record<string, unknown>): LedgerEntry {
  const common = {
    requestId: String(r.request_id),
    runId: String(r.run_id),
    budgetSetting: String(r.budget_setting),
    problemId: String(r.problem_id),
    stage: String(r.stage),
    at: String(r.at),
    recordedAt: String(r.recorded_at),
  };
  if (r.kind === "llm") {
    return {
      kind: "llm",
      ...common,
      role: String(r.role),
      model: String(r.model),
      endpoint: String(r.endpoint),
      promptTokens: num(r.prompt_tokens),
      completionTokens: num(r.completion_tokens),
      cachedTokens: num(r.cached_tokens),
      reasoningTokens: num(r.reasoning_tokens),
      latencyMs: num(r.latency_ms),
      attempt: num(r.attempt),
    };
  }
  return {
    kind: "sandbox",
    ...common,
    cpuSeconds: num(r.cpu_seconds),
    wallSeconds: num(r.wall_seconds),
    tests: num(r.tests),
  };
}

/** Keyset paging on (at, request_id): stable while other writers append. */
export async function* iterateEntries(
  db: SqlExecutor,
  runId: string,
  pageSize = 500,
): AsyncGenerator<LedgerEntry> {
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new TypeError(`entries: bad pageSize ${pageSize}`);
  const cols = `${ENTRY_COLUMNS.join(", ")}`;
  const p = (i: number) => db.placeholder(i);
  const first = `SELECT ${cols} FROM spend_entries WHERE run_id = ${p(1)} ORDER BY at, request_id LIMIT ${p(2)}`;
  const next =
    `SELECT ${cols} FROM spend_entries WHERE run_id = ${p(1)} ` +
    `AND (at > ${p(2)} OR (at = ${p(3)} AND request_id > ${p(4)})) ORDER BY at, request_id LIMIT ${p(5)}`;
  let last: { at: string; requestId: string } | undefined;
  for (;;) {
    const page = last
      ? await db.all(next, [runId, last.at, last.at, last.requestId, pageSize])
      : await db.all(first, [runId, pageSize]);
    for (const r of page) yield toEntry(r);
    if (page.length < pageSize) return;
    const tail = page[page.length - 1] as Record<string, unknown>;
    last = { at: String(tail.at), requestId: String(tail.request_id) };
  }
}

export async function checkSchemaVersion(db: SqlExecutor): Promise<void> {
  const rows = await db.all(`SELECT value FROM ledger_meta WHERE key = ${db.placeholder(1)}`, [
    "schema_version",
  ]);
  const found = Number(rows[0]?.value);
  if (found !== LEDGER_SCHEMA_VERSION) {
    throw new Error(
      `ledger schema version ${rows[0]?.value ?? "(none)"} is not the version this sstar knows (${LEDGER_SCHEMA_VERSION})`,
    );
  }
}
