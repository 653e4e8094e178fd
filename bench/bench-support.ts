// What the run benchmarks share: a simulated endpoint as its own process, `sstar run` as a child
// process (sampled for memory), the run's workflow histories, and writing figures.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { Client, Connection } from "@temporalio/client";
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
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let err = "";
  child.stderr?.on("data", (d: Buffer) => {
    err = (err + d.toString()).slice(-4000);
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
  const base = url.replace(/\/v1$/, "");
  return {
    url,
    stats: async () =>
      (await (await fetch(`${base}/sim/stats`)).json()) as Awaited<ReturnType<SimProcess["stats"]>>,
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

/**
 * `sstar run` (worker hosted in the same process, as on one machine) as a child; its resident
 * memory is sampled every 250 ms. `whileRunning` gets the run id once the run announces it.
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
  const sampler = setInterval(() => {
    if (child.pid) peak = Math.max(peak, rssMb(child.pid));
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

/** Every workflow history of the data folder's embedded Temporal server: events and largest payload. */
export async function historyFigures(dataDir: string): Promise<HistoryFigures> {
  const server = await EmbeddedTemporalServer.start({ dataDir });
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  const figures: HistoryFigures = {
    workflows: 0,
    maxHistoryEvents: 0,
    maxHistoryWorkflow: "",
    maxPayloadBytes: 0,
  };
  try {
    for await (const wf of client.workflow.list()) {
      const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      figures.workflows++;
      const events = history.events?.length ?? 0;
      if (events > figures.maxHistoryEvents) {
        figures.maxHistoryEvents = events;
        figures.maxHistoryWorkflow = `${wf.workflowId} (${wf.runId})`;
      }
      const visit = (value: unknown): void => {
        if (!value || typeof value !== "object") return;
        const record = value as Record<string, unknown>;
        if (record.data instanceof Uint8Array && "metadata" in record)
          figures.maxPayloadBytes = Math.max(figures.maxPayloadBytes, record.data.length);
        for (const v of Object.values(record)) if (typeof v === "object") visit(v);
      };
      visit(history);
    }
  } finally {
    await client.connection.close();
    await server.stop();
  }
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
