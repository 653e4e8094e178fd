import { type ChildProcess, spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { Connection } from "@temporalio/client";
import { freePorts } from "./free-port";
import { temporalCliPath } from "./paths";

export interface EmbeddedServerOptions {
  /** sstar's data folder; the state file, the log and the server record live here. */
  dataDir: string;
  namespace?: string;
  /** Overrides the Temporal CLI that {@link temporalCliPath} would pick. */
  cliPath?: string;
  /** How long to wait for the frontend to answer before giving up. */
  readyTimeoutMs?: number;
  /** Picks the four ports (frontend, UI, HTTP, metrics); tests hand out a taken one to check the retry. */
  pickPorts?: () => Promise<number[]>;
}

/** What a running embedded server left in the data folder, so other sstar commands can join it. */
export interface ServerRecord {
  pid: number;
  /** The sstar process that started it and stops it; when that one is gone, the server is orphaned. */
  ownerPid?: number;
  address: string;
  uiUrl: string;
  namespace: string;
  stateFile: string;
}

export const STATE_FILE = "temporal.db";
export const SERVER_LOG = "temporal-server.log";
const PORT_RACE_ATTEMPTS = 3;
const RECORD_FILE = "temporal-server.json";

/**
 * `temporal server start-dev` with its state in a file under the data folder, on free loopback
 * ports. Workflow history survives a stop and a start on the same folder.
 */
export class EmbeddedTemporalServer {
  private exited: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    readonly record: ServerRecord,
    private readonly recordPath: string,
  ) {
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  }

  get address(): string {
    return this.record.address;
  }
  get uiUrl(): string {
    return this.record.uiUrl;
  }
  get namespace(): string {
    return this.record.namespace;
  }

  /**
   * Ports are picked free and then released, so another process can take one before the server
   * binds it; that start-up failure is retried on fresh ports rather than failing the run.
   */
  static async start(options: EmbeddedServerOptions): Promise<EmbeddedTemporalServer> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await EmbeddedTemporalServer.startOnce(options);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (attempt >= PORT_RACE_ATTEMPTS || !message.includes("address already in use")) throw err;
        process.stderr.write(
          `sstar: a Temporal server port was taken during start-up; retrying on fresh ports (attempt ${attempt + 1})\n`,
        );
      }
    }
  }

  private static async startOnce(options: EmbeddedServerOptions): Promise<EmbeddedTemporalServer> {
    const namespace = options.namespace ?? "default";
    const cli = options.cliPath ?? temporalCliPath().path;
    if (cli.includes("/") && !existsSync(cli)) {
      throw new Error(`Temporal CLI not found at ${cli} (run scripts/bootstrap.sh, or set TEMPORAL_CLI)`);
    }
    mkdirSync(options.dataDir, { recursive: true });
    const stateFile = join(options.dataDir, STATE_FILE);
    const logPath = join(options.dataDir, SERVER_LOG);
    const [port, uiPort, httpPort, metricsPort] = await (options.pickPorts ?? (() => freePorts(4)))();
    const args = [
      "server",
      "start-dev",
      "--db-filename",
      stateFile,
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--ui-port",
      String(uiPort),
      "--http-port",
      String(httpPort),
      "--metrics-port",
      String(metricsPort),
      "--namespace",
      namespace,
      "--log-format",
      "json",
      "--log-level",
      "warn",
    ];
    const logStart = existsSync(logPath) ? statSync(logPath).size : 0;
    const logFd = openSync(logPath, "a");
    let child: ChildProcess;
    try {
      child = spawn(cli, args, { stdio: ["ignore", logFd, logFd], detached: false });
    } finally {
      closeSync(logFd);
    }
    const spawnError = new Promise<never>((_, reject) =>
      child.once("error", (err) => reject(new Error(`cannot start the Temporal CLI ${cli}: ${err.message}`))),
    );
    const earlyExit = new Promise<never>((_, reject) =>
      child.once("exit", (code, signal) =>
        reject(
          new Error(
            `the embedded Temporal server exited during start-up (code ${code}, signal ${signal}); ` +
              `last log lines:\n${logTail(logPath, logStart)}`,
          ),
        ),
      ),
    );
    const address = `127.0.0.1:${port}`;
    const record: ServerRecord = {
      pid: child.pid ?? -1,
      ownerPid: process.pid,
      address,
      uiUrl: `http://127.0.0.1:${uiPort}`,
      namespace,
      stateFile,
    };
    const server = new EmbeddedTemporalServer(child, record, join(options.dataDir, RECORD_FILE));
    try {
      await Promise.race([
        waitUntilReady(address, namespace, options.readyTimeoutMs ?? 60_000),
        spawnError,
        earlyExit,
      ]);
    } catch (err) {
      await server.stop();
      throw err;
    }
    // Swallow the start-up rejections now that they can no longer matter.
    spawnError.catch(() => {});
    earlyExit.catch(() => {});
    writeFileSync(server.recordPath, `${JSON.stringify(record, null, 2)}\n`);
    return server;
  }

  /** SIGTERM, then SIGKILL after a grace period; the state file is flushed by a clean shutdown. */
  async stop(graceMs = 15_000): Promise<void> {
    rmSync(this.recordPath, { force: true });
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** The record of an embedded server that is still running for this data folder, if any. */
export function runningServerRecord(dataDir: string): ServerRecord | undefined {
  const path = join(dataDir, RECORD_FILE);
  if (!existsSync(path)) return undefined;
  try {
    const record = JSON.parse(readFileSync(path, "utf8")) as ServerRecord;
    process.kill(record.pid, 0);
    return record;
  } catch {
    return undefined;
  }
}

async function waitUntilReady(address: string, namespace: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.workflowService.describeNamespace({ namespace });
      return;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    } finally {
      await connection?.close();
    }
  }
  throw new Error(
    `the embedded Temporal server at ${address} did not become ready within ${timeoutMs} ms: ${String(lastError)}`,
  );
}

/** The last lines this start wrote (from byte `from`), so an earlier start's failure is not reported. */
function logTail(path: string, from = 0, lines = 15): string {
  try {
    return readFileSync(path).subarray(from).toString("utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The parent pid of a process, from /proc (Linux); undefined when it cannot be read. */
function parentPid(pid: number): number | undefined {
  try {
    // The command name (field 2) is in parentheses and may hold spaces: the ppid follows its ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/** True when the sstar that started the server was killed without stopping it. */
export function isOrphaned(record: ServerRecord): boolean {
  if (record.ownerPid !== undefined) return !alive(record.ownerPid);
  return parentPid(record.pid) === 1;
}

/**
 * Stops an embedded server of this data folder whose owner was killed (`kill -9` of `sstar server`
 * or `sstar run`), so it is not left running for ever; its state file survives, and the caller
 * starts a server of its own on it. Returns the record stopped, if any.
 */
export async function stopOrphanedServer(
  dataDir: string,
  graceMs = 15_000,
): Promise<ServerRecord | undefined> {
  const record = runningServerRecord(dataDir);
  if (!record || !isOrphaned(record)) return undefined;
  try {
    process.kill(record.pid, "SIGTERM");
  } catch {
    // Gone already.
  }
  const deadline = Date.now() + graceMs;
  while (alive(record.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive(record.pid)) process.kill(record.pid, "SIGKILL");
  while (alive(record.pid)) await new Promise((r) => setTimeout(r, 50));
  rmSync(join(dataDir, RECORD_FILE), { force: true });
  return record;
}
