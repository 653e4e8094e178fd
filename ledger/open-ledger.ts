import { PostgresSpendLedger } from "./postgres-ledger";
import { SqliteSpendLedger, sqliteLedgerPath } from "./sqlite-ledger";
import type { SpendLedger } from "./types";

/** Where a ledger lives: plain JSON, so it can be handed to another process. */
export type LedgerTarget = { kind: "sqlite"; path: string } | { kind: "postgres"; url: string };

/**
 * The ledger for a deployment: PostgreSQL when `url` is a `postgres://` / `postgresql://` URL (a
 * cluster), otherwise the embedded SQLite file in the data folder.
 */
export function ledgerTarget(dataDir: string, url?: string): LedgerTarget {
  if (url && /^postgres(ql)?:\/\//.test(url)) return { kind: "postgres", url };
  if (url) throw new Error(`ledger URL must start with postgres:// or postgresql:// (got ${url})`);
  return { kind: "sqlite", path: sqliteLedgerPath(dataDir) };
}

export async function openLedger(target: LedgerTarget): Promise<SpendLedger> {
  return target.kind === "postgres"
    ? PostgresSpendLedger.open(target.url)
    : SqliteSpendLedger.open(target.path);
}
