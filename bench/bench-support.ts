// What the run benchmarks share: a simulated endpoint as its own process, `sstar run` as a child
// process (sampled for memory), the run's workflow histories, and writing figures.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { Client, Connection } from "@temporalio/client";
import type { temporal } from "@temporalio/proto";
import { projectRoot } from "../runtime/paths";
import { EmbeddedTemporalServer } from "../runtime/temporal-server";

const SSTAR = join(projectRoot, "bin", "sstar.js");
export const DEMO_PROBLEMS = join(projectRoot, "demo", "demo-problems.jsonl");

export function flagOf(args: string[], name: string, fallback?: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
}

/** Progress for the reader of a benchmark (stderr: stdout is the figures). */
export function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

export interface SimProcess {
  url: string;
  stats(): Promise<{
    busySeconds: number;
    sequenceSeconds: number;
    spanSeconds: number;
    running: number;
    waiting: number;
    requests: number;
    completionTokens: number;
  }>;
  /** CPU seconds the simulator's process has used. */
  cpuSeconds(): number;
  stop(): void;
}

/**
 * `sstar sim` on a free port with the given YAML configuration; resolves once it answers. It knows
 * the demo problems unless given others; `extraArgs` go to `sstar sim` (e.g. `--profile realistic`).
 */
export async function startSim(
  dir: string,
  configYaml: string,
  options: { problems?: string; extraArgs?: string[] } = {},
): Promise<SimProcess> {
  mkdirSync(dir, { recursive: true });
  const config = join(dir, "sim.yaml");
  writeFileSync(config, configYaml);
  const child = spawn(
    process.execPath,
    [
      SSTAR,
      "--data-dir",
      join(dir, "sim-data"),
      "sim",
      "--port",
      "0",
      "--problems",
      options.problems ?? DEMO_PROBLEMS,
      "--config",
      config,
      ...(options.extraArgs ?? []),
    ],
    {
      stdio: ["ignore", "pipe", "pipe"],
      // The checked mutant pools outlive one benchmark: later runs load them instead of checking again.
      env: { SSTAR_MUTANT_CACHE_DIR: join(projectRoot, ".sstar", "cache", "bench"), ...process.env },
    },
  );
  let err = "";
  // A benchmark times the pipeline, not the simulator checking its mutants: the run starts after.
  let poolReady: () => void = () => {};
  const pool = new Promise<void>((resolve) => {
    poolReady = resolve;
  });
  child.stderr?.on("data", (d: Buffer) => {
    err = (err + d.toString()).slice(-4000);
    if (/every problem's mutants are ready/.test(err)) poolReady();
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n")[0] ?? "";
      if (out.includes("\n") && line.startsWith("http")) resolve(line.trim());
    });
    child.once("exit", (code) => reject(new Error(`sstar sim exited with ${code}: ${err}`)));
  });
  let giveUp: NodeJS.Timeout | undefined;
  await Promise.race([pool, new Promise((r) => (giveUp = setTimeout(r, 15 * 60_000)))]);
  clearTimeout(giveUp);
  const base = url.replace(/\/v1$/, "");
  return {
    url,
    stats: async () =>
      (await (await fetch(`${base}/sim/stats`)).json()) as Awaited<ReturnType<SimProcess["stats"]>>,
    cpuSeconds: () => (child.pid ? cpuSeconds(child.pid) : 0),
    stop: () => child.kill("SIGTERM"),
  };
}

/**
 * Writes the benchmark's run configuration (S* on the synthetic problems, one simulated endpoint
 * with room for the whole batch) to `<dir>/run.json` and returns its path.
 */
export function writeBenchConfig(
  dir: string,
  o: {
    name: string;
    dataset: string;
    simUrl: string;
    n: number;
    rounds: number;
    window: number;
    maxNumSeqs?: number;
    admission?: string;
  },
): string {
  const file = join(dir, "run.json");
  writeFileSync(
    file,
    JSON.stringify({
      name: o.name,
      dataset: { path: o.dataset },
      endpoints: {
        sim: { baseUrl: o.simUrl, concurrency: 256, ...(o.maxNumSeqs ? { maxNumSeqs: o.maxNumSeqs } : {}) },
      },
      roles: {
        generator: {
          endpoint: "sim",
          model: "sstar-sim-coder",
          sampling: { temperature: 0.7, maxTokens: 2048 },
        },
      },
      budget: { n: o.n, rounds: o.rounds },
      selection: [{ method: "sstar" }],
      limits: { timeSec: 2 },
      window: o.window,
      ...(o.admission ? { admission: o.admission } : {}),
    }),
  );
  return file;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  wallSeconds: number;
  peakRssMb: number;
  /** CPU time of the `sstar run` process itself (its worker, workflows and activities). */
  workerCpuSeconds: number;
  /** CPU time of the whole machine during the run, every process and core together. */
  machineCpuSeconds: number;
  runId: string | undefined;
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU seconds a process has used itself (user + system), from /proc; 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    // utime and stime: fields 14 and 15 of stat, 12 and 13 after the command name.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** The machine's busy CPU seconds so far, all cores together (/proc/stat). */
export function machineCpuSeconds(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / 100;
}

/**
 * `sstar run` (worker hosted in the same process, as on one machine) as a child; its resident
 * memory and CPU time are sampled every 250 ms. `whileRunning` gets the run id once the run announces it.
 */
export async function runSstar(
  dataDir: string,
  args: string[],
  env: Record<string, string> = {},
  whileRunning?: (runId: string, child: ChildProcess) => void,
): Promise<RunResult> {
  const started = Date.now();
  const child = spawn(process.execPath, [SSTAR, "--data-dir", dataDir, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let stdout = "";
  let stderr = "";
  let runId: string | undefined;
  let peak = 0;
  let cpu = 0;
  const machineCpuAtStart = machineCpuSeconds();
  const sampler = setInterval(() => {
    if (!child.pid) return;
    peak = Math.max(peak, rssMb(child.pid));
    cpu = Math.max(cpu, cpuSeconds(child.pid));
  }, 250);
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
    if (!runId) {
      runId = /^sstar run (\S+):/m.exec(stderr)?.[1];
      if (runId) whileRunning?.(runId, child);
    }
    const lines = d
      .toString()
      .split("\n")
      .filter((l) => l.startsWith("progress:"));
    if (lines.length) say(lines[lines.length - 1] as string);
  });
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  clearInterval(sampler);
  return {
    code,
    stdout,
    stderr,
    wallSeconds: (Date.now() - started) / 1000,
    peakRssMb: Math.round(peak),
    workerCpuSeconds: Number(cpu.toFixed(1)),
    machineCpuSeconds: Number((machineCpuSeconds() - machineCpuAtStart).toFixed(1)),
    runId,
  };
}

/** Times `sstar status <run> --json` (what a user's script polls during a run). */
export async function timeStatus(dataDir: string, runId: string): Promise<number> {
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const child = spawn(process.execPath, [SSTAR, "--data-dir", dataDir, "status", runId, "--json"], {
      stdio: "ignore",
    });
    child.once("close", () => resolve());
  });
  return performance.now() - started;
}

export interface HistoryFigures {
  workflows: number;
  maxHistoryEvents: number;
  maxHistoryWorkflow: string;
  maxPayloadBytes: number;
}

type History = temporal.api.history.v1.IHistory;

/** Every workflow history in a data folder (each continued-as-new run alone), read one at a time. */
export async function forEachHistory(
  dataDir: string,
  visit: (workflow: { workflowId: string; runId: string; type: string }, history: History) => void,
): Promise<void> {
  const server = await EmbeddedTemporalServer.start({ dataDir });
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  try {
    for await (const wf of client.workflow.list())
      visit(wf, await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory());
  } finally {
    await client.connection.close();
    await server.stop();
  }
}

/** The largest payload (encoded bytes) anywhere in a history. */
export function largestPayloadBytes(history: History): number {
  let largest = 0;
  const visit = (value: unknown): void => {
    if (!value || typeof value !== "object") return;
    const record = value as Record<string, unknown>;
    if (record.data instanceof Uint8Array && "metadata" in record)
      largest = Math.max(largest, record.data.length);
    for (const v of Object.values(record)) if (typeof v === "object") visit(v);
  };
  visit(history);
  return largest;
}

/** Every workflow history of the data folder's embedded Temporal server: events and largest payload. */
export async function historyFigures(dataDir: string): Promise<HistoryFigures> {
  const figures: HistoryFigures = {
    workflows: 0,
    maxHistoryEvents: 0,
    maxHistoryWorkflow: "",
    maxPayloadBytes: 0,
  };
  await forEachHistory(dataDir, (wf, history) => {
    figures.workflows++;
    const events = history.events?.length ?? 0;
    if (events > figures.maxHistoryEvents) {
      figures.maxHistoryEvents = events;
      figures.maxHistoryWorkflow = `${wf.workflowId} (${wf.runId})`;
    }
    figures.maxPayloadBytes = Math.max(figures.maxPayloadBytes, largestPayloadBytes(history));
  });
  return figures;
}

export function machine(): string {
  let runsc = "none";
  if (existsSync("/usr/bin/runsc")) runsc = "runsc (gVisor)";
  return `${cpus().length} cores (${cpus()[0]?.model ?? "?"}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, sandbox ${runsc}`;
}

/** Writes `bench/results/<name>.json` and `.md`; the markdown lists the figures as a table. */
export function writeResults(name: string, figures: Record<string, unknown>, notes: string[]): void {
  const dir = join(projectRoot, "bench", "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(figures, null, 2)}\n`);
  const rows = Object.entries(figures)
    .filter(([, v]) => typeof v !== "object" || v === null)
    .map(([k, v]) => `| ${k} | ${String(v)} |`);
  const nested = Object.entries(figures)
    .filter(([, v]) => typeof v === "object" && v !== null)
    .map(([k, v]) => `| ${k} | \`${JSON.stringify(v)}\` |`);
  writeFileSync(
    join(dir, `${name}.md`),
    [
      `# ${name} (${new Date().toISOString()})`,
      "",
      ...notes,
      "",
      "| figure | value |",
      "|---|---|",
      ...rows,
      ...nested,
      "",
    ].join("\n"),
  );
}
