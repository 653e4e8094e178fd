/**
 * A throwaway Prometheus server for tests: Debian's `prometheus` package (installed with apt-get
 * when running as root and the binary is missing), a temp config that scrapes the given targets
 * every second, a temp TSDB, the web API on a free loopback port; `stop()` ends it and removes the
 * folder. Also `promtool check metrics`, Prometheus's own lint of an exposition.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { tempDir } from "./processes";

const PROMETHEUS = "/usr/bin/prometheus";
const PROMTOOL = "/usr/bin/promtool";

function aptInstallPrometheus(): void {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const lock = ["-o", "DPkg::Lock::Timeout=600"];
  const install = [...lock, "install", "-y", "-q", "--no-install-recommends", "prometheus"];
  try {
    execFileSync("apt-get", install, { env, stdio: ["ignore", "ignore", "pipe"] });
  } catch {
    execFileSync("apt-get", [...lock, "update", "-q"], { env, stdio: ["ignore", "ignore", "pipe"] });
    execFileSync("apt-get", install, { env, stdio: ["ignore", "ignore", "pipe"] });
  }
}

/** Finds Debian's prometheus, installing the package first when needed (as root). */
export function ensurePrometheusInstalled(): string {
  if (existsSync(PROMETHEUS)) return PROMETHEUS;
  if (process.getuid?.() !== 0) {
    throw new Error(
      "Prometheus is not installed and this is not root: run `apt-get install prometheus` as root",
    );
  }
  aptInstallPrometheus();
  if (!existsSync(PROMETHEUS)) throw new Error(`apt-get install prometheus left no ${PROMETHEUS}`);
  return PROMETHEUS;
}

/** Problems `promtool check metrics` finds in an exposition (naming, units, help); empty when clean. */
export function promtoolCheckMetrics(exposition: string): string[] {
  ensurePrometheusInstalled();
  const result = spawnSync(PROMTOOL, ["check", "metrics"], { input: exposition, encoding: "utf8" });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim();
  if (result.status === 0) return [];
  return output === "" ? [`promtool exited with ${result.status}`] : output.split("\n");
}

export async function freeLoopbackPort(): Promise<number> {
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

export interface ScrapeTarget {
  /** The `job` label of its series. */
  job: string;
  /** `host:port` serving /metrics. */
  address: string;
}

/** One series of an instant vector from /api/v1/query. */
export interface VectorSample {
  metric: Record<string, string>;
  value: number;
}

export interface TestPrometheus {
  readonly url: string;
  /** Evaluates a PromQL instant query now; throws on anything but a vector or scalar. */
  query(expr: string): Promise<VectorSample[]>;
  /** The scrape targets' health as Prometheus sees it: job → "up" | "down" | "unknown". */
  targetHealth(): Promise<Record<string, string>>;
  /** Every label name Prometheus holds. */
  labelNames(): Promise<string[]>;
  stop(): Promise<void>;
}

interface ApiAnswer<T> {
  status: "success" | "error";
  data: T;
  error?: string;
}

export async function startTestPrometheus(targets: ScrapeTarget[]): Promise<TestPrometheus> {
  const binary = ensurePrometheusInstalled();
  const root = tempDir("prometheus");
  const config = join(root, "prometheus.yml");
  // JSON is YAML: no YAML writer needed.
  writeFileSync(
    config,
    JSON.stringify({
      global: { scrape_interval: "1s", scrape_timeout: "1s", evaluation_interval: "1s" },
      scrape_configs: targets.map((t) => ({ job_name: t.job, static_configs: [{ targets: [t.address] }] })),
    }),
  );
  const port = await freeLoopbackPort();
  const url = `http://127.0.0.1:${port}`;
  const logPath = join(root, "prometheus.log");
  const log = openSync(logPath, "a");
  const server: ChildProcess = spawn(
    binary,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(root, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--storage.tsdb.retention.time=1h",
    ],
    { cwd: root, stdio: ["ignore", log, log] },
  );
  const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));

  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}${path}`);
    const answer = (await response.json()) as ApiAnswer<T>;
    if (answer.status !== "success")
      throw new Error(`Prometheus ${path}: ${answer.error ?? response.status}`);
    return answer.data;
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (server.exitCode !== null || Date.now() > deadline) {
      server.kill("SIGKILL");
      throw new Error(`prometheus did not become ready:\n${readFileSync(logPath, "utf8").slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    url,
    async query(expr) {
      const data = await api<{ resultType: string; result: unknown }>(
        `/api/v1/query?query=${encodeURIComponent(expr)}`,
      );
      if (data.resultType === "scalar") {
        const [, value] = data.result as [number, string];
        return [{ metric: {}, value: Number(value) }];
      }
      if (data.resultType !== "vector") throw new Error(`${expr}: a ${data.resultType}, not a vector`);
      return (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((s) => ({
        metric: s.metric,
        value: Number(s.value[1]),
      }));
    },
    async targetHealth() {
      const data = await api<{ activeTargets: { labels: Record<string, string>; health: string }[] }>(
        "/api/v1/targets",
      );
      return Object.fromEntries(data.activeTargets.map((t) => [t.labels.job ?? "", t.health]));
    },
    labelNames: () => api<string[]>("/api/v1/labels"),
    async stop() {
      if (server.exitCode === null && server.signalCode === null) {
        const timer = setTimeout(() => server.kill("SIGKILL"), 15_000);
        server.kill("SIGTERM");
        await exited;
        clearTimeout(timer);
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
