import { collectDefaultMetrics, Registry } from "prom-client";
import { ledgerTarget, openLedger } from "../ledger/open-ledger";
import type { SpendRecorder } from "../spend/spend-recorder";
import type { PipelineDepsOptions } from "../worker/pipeline-deps";
import { LedgerTotalsCollector } from "./ledger-collector";
import { type MetricsServer, startMetricsServer } from "./metrics-server";
import { SpendMetrics } from "./spend-metrics";

export interface WorkerMetricsOptions {
  /** TCP port of /metrics; 0 picks a free one. */
  port: number;
  /** Address to listen on: loopback by default; a pod that Prometheus scrapes needs 0.0.0.0. */
  host?: string;
  dataDir: string;
  /** The ledger the worker writes to (SSTAR_LEDGER_URL); SQLite in the data folder otherwise. */
  ledgerUrl?: string;
}

export interface WorkerMetrics {
  /** For the worker's pipeline deps (`extraRecorders`): live counters and the runs to export. */
  readonly recorders: SpendRecorder[];
  readonly url: string;
  /** Exports a run's ledger totals before any of its spend passes through this process. */
  exportRun(runId: string): void;
  close(): Promise<void>;
}

export const DEFAULT_METRICS_HOST = "127.0.0.1";

/**
 * A worker's /metrics: live spend counters of this process, the ledger's run totals read at scrape
 * time, and Node's process metrics, on their own registry and HTTP listener.
 */
export async function startWorkerMetrics(options: WorkerMetricsOptions): Promise<WorkerMetrics> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const live = new SpendMetrics(registry);
  // Its own connection: a scrape never waits behind the worker's writes in the same client.
  const ledger = await openLedger(ledgerTarget(options.dataDir, options.ledgerUrl));
  const totals = new LedgerTotalsCollector(ledger, registry);
  let server: MetricsServer;
  try {
    server = await startMetricsServer(registry, options.port, options.host ?? DEFAULT_METRICS_HOST);
  } catch (error) {
    await ledger.close();
    throw error;
  }
  return {
    recorders: [live, totals],
    url: server.url,
    exportRun: (runId) => totals.exportRun(runId),
    close: async () => {
      try {
        await server.close();
      } finally {
        await ledger.close();
      }
    },
  };
}

/**
 * Starts a worker's metrics endpoint when a port is asked for (the flag, else SSTAR_METRICS_PORT) and
 * adds its recorders to the worker's dependencies; undefined, and nothing started, otherwise.
 */
export async function attachWorkerMetrics(
  deps: PipelineDepsOptions,
  listen: { port?: number; host?: string } = {},
): Promise<WorkerMetrics | undefined> {
  const fromEnv = metricsListenFromEnv();
  const port = listen.port ?? fromEnv?.port;
  if (port === undefined) return undefined;
  const metrics = await startWorkerMetrics({
    port,
    host: listen.host ?? fromEnv?.host,
    dataDir: deps.dataDir,
    ledgerUrl: deps.ledgerUrl,
  });
  deps.extraRecorders = [...(deps.extraRecorders ?? []), ...metrics.recorders];
  return metrics;
}

/** SSTAR_METRICS_PORT (unset: no metrics endpoint) and SSTAR_METRICS_HOST. */
export function metricsListenFromEnv(): { port: number; host: string } | undefined {
  const text = process.env.SSTAR_METRICS_PORT;
  if (text === undefined || text === "") return undefined;
  return {
    port: parseMetricsPort(text, "SSTAR_METRICS_PORT"),
    host: process.env.SSTAR_METRICS_HOST || DEFAULT_METRICS_HOST,
  };
}

export function parseMetricsPort(text: string, what: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${what} must be a TCP port (0 picks a free one), got ${JSON.stringify(text)}`);
  }
  return port;
}
