/**
 * A throwaway PostgreSQL server for tests: Debian's `postgresql` package (installed with apt-get
 * when running as root and no server binary is present), `initdb` into a temp folder as the
 * `postgres` user (initdb refuses root), `postgres` on a free loopback port with its socket in the
 * temp folder, stopped and removed by `stop()`.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import pg from "pg";
import { tempDir } from "./processes";

const PG_ROOT = "/usr/lib/postgresql";

/** The newest installed server's bin folder, if any. */
function findPostgresBin(): string | undefined {
  if (!existsSync(PG_ROOT)) return undefined;
  const versions = readdirSync(PG_ROOT)
    .filter((v) => existsSync(join(PG_ROOT, v, "bin", "postgres")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(PG_ROOT, versions[0], "bin");
}

function aptInstallPostgres(): void {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = ["-o", "DPkg::Lock::Timeout=600", "install", "-y", "-q", "postgresql"];
  try {
    execFileSync("apt-get", install, { env, stdio: ["ignore", "ignore", "pipe"] });
  } catch {
    execFileSync("apt-get", ["-o", "DPkg::Lock::Timeout=600", "update", "-q"], {
      env,
      stdio: ["ignore", "ignore", "pipe"],
    });
    execFileSync("apt-get", install, { env, stdio: ["ignore", "ignore", "pipe"] });
  }
}

/** Finds PostgreSQL's server binaries, installing Debian's package first when needed (as root). */
export function ensurePostgresInstalled(): string {
  let bin = findPostgresBin();
  if (bin) return bin;
  if (process.getuid?.() !== 0) {
    throw new Error(
      "PostgreSQL is not installed and this is not root: run `apt-get install postgresql` as root",
    );
  }
  aptInstallPostgres();
  bin = findPostgresBin();
  if (!bin) throw new Error(`apt-get install postgresql left no server under ${PG_ROOT}/*/bin/postgres`);
  return bin;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The uid/gid to run the server as: ourselves, or the `postgres` user when we are root. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  return { uid, gid };
}

export interface TestPostgres {
  readonly port: number;
  /** A connection URL for a database on this server (user `postgres`, trust authentication). */
  url(database: string): string;
  createDatabase(name: string): Promise<string>;
  /** Immediate shutdown (SIGQUIT: no checkpoint, like a crash); `start()` then runs WAL recovery. */
  crash(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const bin = ensurePostgresInstalled();
  const user = serverUser();
  const root = tempDir("postgres");
  const data = join(root, "data");
  const socketDir = join(root, "socket");
  mkdirSync(socketDir);
  if (user) {
    chownSync(root, user.uid, user.gid);
    chownSync(socketDir, user.uid, user.gid);
  }
  const asUser = user ? { uid: user.uid, gid: user.gid } : {};
  const env = { ...process.env, LC_ALL: "C", LANG: "C" };
  execFileSync(
    join(bin, "initdb"),
    ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"],
    { ...asUser, env, stdio: ["ignore", "ignore", "pipe"], cwd: root },
  );
  const port = await freePort();
  const logPath = join(root, "postgres.log");
  let server: ChildProcess | undefined;

  const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;

  const waitReady = async () => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const client = new pg.Client({ connectionString: url("postgres") });
      try {
        await client.connect();
        await client.query("SELECT 1");
        await client.end();
        return;
      } catch (err) {
        await client.end().catch(() => {});
        if (server?.exitCode !== null || Date.now() > deadline) {
          const log = existsSync(logPath) ? readFileSync(logPath, "utf8") : "";
          throw new Error(`postgres did not become ready: ${(err as Error).message}\n${log}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };

  const start = async () => {
    const log = openSync(logPath, "a");
    if (user) chownSync(logPath, user.uid, user.gid);
    server = spawn(
      join(bin, "postgres"),
      ["-D", data, "-k", socketDir, "-p", String(port), "-c", "listen_addresses=127.0.0.1"],
      { ...asUser, env, cwd: root, stdio: ["ignore", log, log] },
    );
    await waitReady();
  };

  const signalAndWait = async (signal: NodeJS.Signals) => {
    const proc = server;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
      proc.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      proc.kill(signal);
    });
  };

  await start();
  return {
    port,
    url,
    async createDatabase(name: string) {
      const client = new pg.Client({ connectionString: url("postgres") });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    crash: () => signalAndWait("SIGQUIT"),
    start,
    async stop() {
      await signalAndWait("SIGINT"); // fast shutdown
      rmSync(root, { recursive: true, force: true });
    },
  };
}
