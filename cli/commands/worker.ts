import type { Command } from "commander";
import { runningServerRecord } from "../../runtime/temporal-server";
import { openTemporalTarget } from "../../runtime/temporal-target";
import { createWorker } from "../../worker/create-worker";
import { pipelineDepsOptionsFromEnv } from "../../worker/pipeline-deps";
import type { GlobalOptions } from "../global-options";

export function registerWorker(program: Command): void {
  program
    .command("worker")
    .description(
      "run a worker against TEMPORAL_ADDRESS, or the embedded server of the data folder; SIGTERM drains it gracefully",
    )
    .action(async () => {
      const { dataDir } = program.opts<GlobalOptions>();
      if (!process.env.TEMPORAL_ADDRESS && !runningServerRecord(dataDir)) {
        throw new Error(
          `no Temporal server: set TEMPORAL_ADDRESS, or start one with \`sstar server\` (data folder ${dataDir})`,
        );
      }
      const target = await openTemporalTarget(dataDir);
      const { worker, close } = await createWorker(target, pipelineDepsOptionsFromEnv(dataDir));
      console.log(`worker polling ${target.address} namespace ${target.namespace}`);
      // The SDK turns SIGINT/SIGTERM into a graceful shutdown; run() resolves once drained.
      await worker.run();
      await close();
    });
}
