import { existsSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { ledgerTarget, openLedger } from "../ledger/index";
import { SqliteSpendLedger, sqliteLedgerPath } from "../ledger/sqlite-ledger";
import { ledgerBehaviourSuite } from "./helpers/ledger-suite";
import { tempDir } from "./helpers/processes";

ledgerBehaviourSuite("SQLite ledger", {
  async target() {
    return ledgerTarget(tempDir("ledger"));
  },
  async emptyTarget() {
    return ledgerTarget(tempDir("ledger"));
  },
  async rawExec(target, sql) {
    if (target.kind !== "sqlite") throw new Error("not a SQLite target");
    const db = new Database(target.path);
    try {
      db.exec(sql);
    } finally {
      db.close();
    }
  },
});

describe("SQLite ledger: placement and durability settings", () => {
  it("lives in <dataDir>/ledger.sqlite, creating the folder, in WAL mode with synchronous=FULL", async () => {
    const dataDir = join(tempDir("ledger"), "nested", "data");
    const target = ledgerTarget(dataDir);
    expect(target).toEqual({ kind: "sqlite", path: join(dataDir, "ledger.sqlite") });
    expect(sqliteLedgerPath(dataDir)).toBe(join(dataDir, "ledger.sqlite"));
    const ledger = await SqliteSpendLedger.open(sqliteLedgerPath(dataDir));
    try {
      expect(existsSync(join(dataDir, "ledger.sqlite"))).toBe(true);
      expect(ledger.durabilitySettings()).toEqual({ journalMode: "wal", synchronous: "FULL" });
    } finally {
      await ledger.close();
    }
  });

  it("chooses PostgreSQL only for a postgres:// URL", () => {
    expect(ledgerTarget("/d", "postgres://u@h/db")).toEqual({ kind: "postgres", url: "postgres://u@h/db" });
    expect(ledgerTarget("/d", "postgresql://u@h/db").kind).toBe("postgres");
    expect(() => ledgerTarget("/d", "mysql://u@h/db")).toThrow(/postgres:\/\//);
  });

  it("refuses use after close", async () => {
    const ledger = await openLedger(ledgerTarget(tempDir("ledger")));
    await ledger.close();
    await expect(ledger.totals("r")).rejects.toThrow(/closed/);
  });
});
