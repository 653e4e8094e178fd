import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LedgerTarget } from "../ledger/open-ledger";
import { PostgresSpendLedger } from "../ledger/postgres-ledger";
import { LedgerProcess, ledgerBehaviourSuite } from "./helpers/ledger-suite";
import { startTestPostgres, type TestPostgres } from "./helpers/postgres";

// A real PostgreSQL server (Debian's package, installed by the setup when missing), one per file.
let server: TestPostgres;
let url: string;

beforeAll(async () => {
  server = await startTestPostgres();
  url = await server.createDatabase("sstar_ledger_test");
}, 900_000);

afterAll(async () => {
  await server?.stop();
});

async function rawExec(target: LedgerTarget, sql: string): Promise<void> {
  if (target.kind !== "postgres") throw new Error("not a PostgreSQL target");
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

ledgerBehaviourSuite("PostgreSQL ledger", {
  async target() {
    return { kind: "postgres", url };
  },
  async emptyTarget() {
    return {
      kind: "postgres",
      url: await server.createDatabase(`sstar_ledger_${Date.now()}_${Math.floor(Math.random() * 1e6)}`),
    };
  },
  rawExec,
});

describe("PostgreSQL ledger: durability", () => {
  it("commits with synchronous_commit=on even when the server default is off", async () => {
    await rawExec({ kind: "postgres", url }, "ALTER DATABASE sstar_ledger_test SET synchronous_commit = off");
    try {
      const ledger = await PostgresSpendLedger.open(url);
      try {
        expect(await ledger.durabilitySettings()).toEqual({ synchronousCommit: "on", fsync: "on" });
      } finally {
        await ledger.close();
      }
    } finally {
      await rawExec({ kind: "postgres", url }, "ALTER DATABASE sstar_ledger_test RESET synchronous_commit");
    }
  });

  it("keeps every acknowledged write across a server crash (immediate shutdown, WAL recovery)", async () => {
    const runId = `crash-${Date.now()}`;
    const target: LedgerTarget = { kind: "postgres", url };
    const writer = new LedgerProcess({ mode: "write", target, runId, count: 100_000, hold: true });
    try {
      await writer.waitForLine((l) => l.startsWith(`written ${runId}-29 `));
      await server.crash();
    } finally {
      await writer.kill();
    }
    const acknowledged = writer.lines.filter((l) => l.startsWith("written ")).map((l) => l.split(" ")[1]);
    expect(acknowledged.length).toBeGreaterThanOrEqual(30);

    await server.start();
    const ledger = await PostgresSpendLedger.open(url);
    try {
      const stored: string[] = [];
      for await (const e of ledger.entries(runId)) stored.push(e.requestId);
      expect(stored).toEqual(expect.arrayContaining(acknowledged));
      expect(stored.length - acknowledged.length).toBeLessThanOrEqual(1);
    } finally {
      await ledger.close();
    }
  });
});
