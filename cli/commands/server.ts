import type { Command } from "commander";
import {
  EmbeddedTemporalServer,
  runningServerRecord,
  stopOrphanedServer,
} from "../../runtime/temporal-server";
import { UsageError } from "../exit-errors";
import type { GlobalOptions } from "../global-options";

export function registerServer(program: Command): void {
  program
    .command("server")
    .description(
      "run the embedded Temporal server on the data folder's state file until Ctrl-C; other sstar commands join it",
    )
    .action(async () => {
      const { dataDir } = program.opts<GlobalOptions>();
      const orphan = await stopOrphanedServer(dataDir);
      if (orphan)
        console.error(
          `sstar server: stopped the embedded server (pid ${orphan.pid}) that a killed sstar left running; starting a new one on its state file`,
        );
      const running = runningServerRecord(dataDir);
      if (running)
        throw new UsageError(`an embedded server (pid ${running.pid}) already runs at ${running.address}`);
      const server = await EmbeddedTemporalServer.start({ dataDir });
      // Handlers go in before the ready line: whoever reads it may signal at once.
      const stopRequested = new Promise<void>((resolve) => {
        process.once("SIGINT", () => resolve());
        process.once("SIGTERM", () => resolve());
      });
      console.log(`Temporal at ${server.address} (namespace ${server.namespace}); Web UI: ${server.uiUrl}`);
      console.log(`state: ${server.record.stateFile}; Ctrl-C stops it`);
      await stopRequested;
      await server.stop();
    });
}
