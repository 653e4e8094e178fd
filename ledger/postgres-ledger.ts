/**
 * The cluster ledger: the same schema and SQL on PostgreSQL through `pg`. Idempotency is the
 * primary key (a unique constraint) on request_id with `INSERT ... ON CONFLICT DO NOTHING`.
 * Durability: every connection sets `synchronous_commit = on`, so a write resolves only after the
 * server has flushed its WAL record to disk (a server configured with `synchronous_commit = off`
 * cannot silently weaken it; with synchronous standbys configured, `on` also waits for them).
 */
import pg from "pg";
import { LEDGER_SCHEMA, POSTGRES_APPEND_ONLY_GUARDS } from "./schema";
import {
  checkSchemaVersion,
  gpuRow,
  insertEntry,
  insertGpuEntry,
  insertSamplesSaved,
  iterateEntries,
  llmRow,
  queryLlmActivity,
  queryRunsSince,
  queryRunsUsingModel,
  querySamplesSaved,
  queryTotals,
  type SqlExecutor,
  sandboxRow,
} from "./sql-core";
import type {
  EntriesOptions,
  GpuSpendEntry,
  LedgerEntry,
  LlmActivity,
  LlmSpendEntry,
  RecordResult,
  SamplesSavedEntry,
  SamplesSavedRow,
  SandboxSpendEntry,
  SpendLedger,
  Totals,
  TotalsOptions,
} from "./types";

export interface PostgresLedgerOptions {
  /** Connections in the pool (default 4). */
  maxConnections?: number;
}

/** Serialises schema creation across processes that open the ledger at the same moment. */
const MIGRATION_LOCK_KEY = 0x5374_6172; // "Star"

export class PostgresSpendLedger implements SpendLedger {
  private readonly exec: SqlExecutor;
  private closed = false;

  private constructor(private readonly pool: pg.Pool) {
    this.exec = {
      placeholder: (i) => `$${i}`,
      run: async (sql, params) => (await this.pool.query(sql, params as unknown[])).rowCount ?? 0,
      all: async (sql, params) => (await this.pool.query(sql, params as unknown[])).rows,
    };
  }

  /** Connects (a `postgres://` URL), creates the schema if needed and checks its version. */
  static async open(
    connectionString: string,
    options: PostgresLedgerOptions = {},
  ): Promise<PostgresSpendLedger> {
    const pool = new pg.Pool({
      connectionString,
      max: options.maxConnections ?? 4,
      application_name: "sstar-ledger",
      options: "-c synchronous_commit=on",
    });
    // An idle client's network error must not crash the process; the next query reports it.
    pool.on("error", () => {});
    const ledger = new PostgresSpendLedger(pool);
    try {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
        await client.query(LEDGER_SCHEMA);
        await client.query(POSTGRES_APPEND_ONLY_GUARDS);
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK").catch(() => {});
        throw err;
      } finally {
        client.release();
      }
      await checkSchemaVersion(ledger.exec);
    } catch (err) {
      await ledger.close();
      throw err;
    }
    return ledger;
  }

  private ensureOpen(): void {
    if (this.closed) throw new Error("the ledger is closed");
  }

  async recordLlm(entry: LlmSpendEntry): Promise<RecordResult> {
    this.ensureOpen();
    return { duplicate: !(await insertEntry(this.exec, llmRow(entry, new Date().toISOString()))) };
  }

  async recordSandbox(entry: SandboxSpendEntry): Promise<RecordResult> {
    this.ensureOpen();
    return { duplicate: !(await insertEntry(this.exec, sandboxRow(entry, new Date().toISOString()))) };
  }

  async recordGpu(entry: GpuSpendEntry): Promise<RecordResult> {
    this.ensureOpen();
    return { duplicate: !(await insertGpuEntry(this.exec, gpuRow(entry, new Date().toISOString()))) };
  }

  async recordSamplesSaved(entry: SamplesSavedEntry): Promise<RecordResult> {
    this.ensureOpen();
    return { duplicate: !(await insertSamplesSaved(this.exec, entry, new Date().toISOString())) };
  }

  samplesSaved(runId: string): Promise<SamplesSavedRow[]> {
    this.ensureOpen();
    return querySamplesSaved(this.exec, runId);
  }

  llmActivity(model: string, from: string, to: string): Promise<LlmActivity[]> {
    this.ensureOpen();
    return queryLlmActivity(this.exec, model, from, to);
  }

  runsUsingModel(model: string, from: string, to: string): Promise<string[]> {
    this.ensureOpen();
    return queryRunsUsingModel(this.exec, model, from, to);
  }

  totals(runId: string, options?: TotalsOptions): Promise<Totals> {
    this.ensureOpen();
    return queryTotals(this.exec, runId, options);
  }

  entries(runId: string, options?: EntriesOptions): AsyncIterable<LedgerEntry> {
    this.ensureOpen();
    return iterateEntries(this.exec, runId, options?.pageSize);
  }

  runsSince(since: string): Promise<string[]> {
    this.ensureOpen();
    return queryRunsSince(this.exec, since);
  }

  /** `synchronous_commit` as the server applies it to this ledger's connections. */
  async durabilitySettings(): Promise<{ synchronousCommit: string; fsync: string }> {
    const sc = await this.exec.all("SHOW synchronous_commit", []);
    const fs = await this.exec.all("SHOW fsync", []);
    return { synchronousCommit: String(sc[0]?.synchronous_commit), fsync: String(fs[0]?.fsync) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
