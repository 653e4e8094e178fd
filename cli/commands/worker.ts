import type { Command } from "commander";
import { attachWorkerMetrics, parseMetricsPort } from "../../metrics/worker-metrics";
import { runningServerRecord } from "../../runtime/temporal-server";
import { openTemporalTarget } from "../../runtime/temporal-target";
import { createWorker } from "../../worker/create-worker";
import { pipelineDepsOptionsFromEnv } from "../../worker/pipeline-deps";
import { UnavailableError } from "../exit-errors";
import type { GlobalOptions } from "../global-options";

export function registerWorker(program: Command): void {
  program
    .command("worker")
    .description(
      "run a worker against TEMPORAL_ADDRESS, or the embedded server of the data folder; SIGTERM drains it gracefully",
    )
    .option(
      "--metrics-port <port>",
      "serve Prometheus metrics on this port (0 picks a free one; default SSTAR_METRICS_PORT, unset: none)",
      (text: string) => parseMetricsPort(text, "--metrics-port"),
    )
    .option(
      "--metrics-host <host>",
      "address of the metrics endpoint (default SSTAR_METRICS_HOST or 127.0.0.1)",
    )
    .action(async (options: { metricsPort?: number; metricsHost?: string }) => {
      const { dataDir } = program.opts<GlobalOptions>();
      if (!process.env.TEMPORAL_ADDRESS && !runningServerRecord(dataDir)) {
        throw new UnavailableError(
          `no Temporal server: set TEMPORAL_ADDRESS, or start one with \`sstar server\` (data folder ${dataDir})`,
        );
      }
      const target = await openTemporalTarget(dataDir);
      const deps = pipelineDepsOptionsFromEnv(dataDir);
      const metrics = await attachWorkerMetrics(deps, {
        port: options.metricsPort,
        host: options.metricsHost,
      });
      try {
        if (metrics) console.log(`metrics at ${metrics.url}/metrics`);
        const { worker, close } = await createWorker(target, deps);
        console.log(`worker polling ${target.address} namespace ${target.namespace}`);
        // The SDK turns SIGINT/SIGTERM into a graceful shutdown; run() resolves once drained.
        await worker.run();
        await close();
      } finally {
        await metrics?.close();
      }
    });
}
