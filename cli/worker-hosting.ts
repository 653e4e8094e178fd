import type { RunConfig } from "../config/run-config";
import { attachWorkerMetrics } from "../metrics/worker-metrics";
import type { TemporalTarget } from "../runtime/temporal-target";
import { createWorker } from "../worker/create-worker";
import { pipelineDepsOptionsFromEnv } from "../worker/pipeline-deps";
import { startBuiltinSimulatorIfNeeded } from "./builtin-simulator";

export interface WorkerHostingOptions {
  /** False with --no-worker: workers run elsewhere (e.g. on a cluster). */
  worker?: boolean;
  unsafeNoSandbox?: boolean;
  /** Serve the hosted worker's Prometheus metrics on this port (default SSTAR_METRICS_PORT, unset: none). */
  metricsPort?: number;
}

/**
 * Runs `body` with a worker hosted in this process (the one-machine mode), and the built-in
 * simulated endpoint when the configuration asks for it.
 */
export async function hostWorker<T>(
  target: TemporalTarget,
  dataDir: string,
  config: RunConfig,
  options: WorkerHostingOptions,
  body: () => Promise<T>,
): Promise<T> {
  if (options.worker === false) return body();
  const deps = pipelineDepsOptionsFromEnv(dataDir);
  if (options.unsafeNoSandbox) deps.unsafe = true;
  // Before the simulator: a taken port fails at once, not after the mutant pool is built.
  const metrics = await attachWorkerMetrics(deps, { port: options.metricsPort });
  // stderr: stdout may carry the --json contract.
  if (metrics) console.error(`metrics at ${metrics.url}/metrics`);
  let simulator: { close(): Promise<void> } | undefined;
  try {
    simulator = await startBuiltinSimulatorIfNeeded(config, dataDir);
    const { worker, close } = await createWorker(target, deps);
    try {
      return await worker.runUntil(body());
    } finally {
      await close();
    }
  } finally {
    await simulator?.close();
    await metrics?.close();
  }
}
