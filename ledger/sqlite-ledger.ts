/**
 * The embedded ledger: one SQLite file (by default `<dataDir>/ledger.sqlite`) in WAL mode with
 * `synchronous=FULL`, so every commit has fsynced the WAL before `recordLlm` resolves: the entry
 * survives a SIGKILL of the writer and an OS crash or power loss. Several processes may write the
 * same file at once (they queue on SQLite's write lock, waiting up to `busyTimeoutMs`); the file
 * must be on a local filesystem (WAL needs shared memory, and network filesystems break locking).
 */
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { LEDGER_SCHEMA, SQLITE_APPEND_ONLY_GUARDS } from "./schema";
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

export const SQLITE_LEDGER_FILE = "ledger.sqlite";

/** Where the embedded ledger lives inside sstar's data folder. */
export function sqliteLedgerPath(dataDir: string): string {
  return join(dataDir, SQLITE_LEDGER_FILE);
}

export interface SqliteLedgerOptions {
  /** How long a write waits for another process's write lock before failing (default 30 s). */
  busyTimeoutMs?: number;
}

export class SqliteSpendLedger implements SpendLedger {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly exec: SqlExecutor;
  private closed = false;

  private constructor(
    readonly path: string,
    options: SqliteLedgerOptions,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path, { timeout: options.busyTimeoutMs ?? 30_000 });
    try {
      // journal_mode is persistent in the file; synchronous is per connection and must be set each open.
      const mode = this.db.pragma("journal_mode = WAL", { simple: true });
      if (String(mode).toLowerCase() !== "wal")
        throw new Error(`could not switch ${path} to WAL (got ${mode})`);
      this.db.pragma("synchronous = FULL");
      this.db
        .transaction(() => {
          this.db.exec(LEDGER_SCHEMA);
          this.db.exec(SQLITE_APPEND_ONLY_GUARDS);
        })
        .immediate();
    } catch (err) {
      this.db.close();
      throw err;
    }
    this.exec = {
      placeholder: () => "?",
      run: async (sql, params) => this.statement(sql).run(...params).changes,
      all: async (sql, params) => this.statement(sql).all(...params) as Record<string, unknown>[],
    };
  }

  /** Opens (creating if needed) the ledger file at `path`. */
  static async open(path: string, options: SqliteLedgerOptions = {}): Promise<SqliteSpendLedger> {
    const ledger = new SqliteSpendLedger(path, options);
    try {
      await checkSchemaVersion(ledger.exec);
    } catch (err) {
      await ledger.close();
      throw err;
    }
    return ledger;
  }

  private statement(sql: string): Database.Statement {
    if (this.closed) throw new Error("the ledger is closed");
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  async recordLlm(entry: LlmSpendEntry): Promise<RecordResult> {
    return { duplicate: !(await insertEntry(this.exec, llmRow(entry, new Date().toISOString()))) };
  }

  async recordSandbox(entry: SandboxSpendEntry): Promise<RecordResult> {
    return { duplicate: !(await insertEntry(this.exec, sandboxRow(entry, new Date().toISOString()))) };
  }

  async recordGpu(entry: GpuSpendEntry): Promise<RecordResult> {
    return { duplicate: !(await insertGpuEntry(this.exec, gpuRow(entry, new Date().toISOString()))) };
  }

  async recordSamplesSaved(entry: SamplesSavedEntry): Promise<RecordResult> {
    return { duplicate: !(await insertSamplesSaved(this.exec, entry, new Date().toISOString())) };
  }

  samplesSaved(runId: string): Promise<SamplesSavedRow[]> {
    return querySamplesSaved(this.exec, runId);
  }

  llmActivity(model: string, from: string, to: string): Promise<LlmActivity[]> {
    return queryLlmActivity(this.exec, model, from, to);
  }

  runsUsingModel(model: string, from: string, to: string): Promise<string[]> {
    return queryRunsUsingModel(this.exec, model, from, to);
  }

  totals(runId: string, options?: TotalsOptions): Promise<Totals> {
    return queryTotals(this.exec, runId, options);
  }

  entries(runId: string, options?: EntriesOptions): AsyncIterable<LedgerEntry> {
    return iterateEntries(this.exec, runId, options?.pageSize);
  }

  runsSince(since: string): Promise<string[]> {
    return queryRunsSince(this.exec, since);
  }

  /** The durability settings in force on this connection, as SQLite reports them. */
  durabilitySettings(): { journalMode: string; synchronous: "OFF" | "NORMAL" | "FULL" | "EXTRA" } {
    const journalMode = String(this.db.pragma("journal_mode", { simple: true }));
    const level = Number(this.db.pragma("synchronous", { simple: true }));
    const synchronous = (["OFF", "NORMAL", "FULL", "EXTRA"] as const)[level] ?? "OFF";
    return { journalMode, synchronous };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.statements.clear();
    this.db.close();
  }
}
