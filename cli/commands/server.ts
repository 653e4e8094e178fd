import type { Command } from "commander";
import { EmbeddedTemporalServer, runningServerRecord } from "../../runtime/temporal-server";
import type { GlobalOptions } from "../global-options";

export function registerServer(program: Command): void {
  program
    .command("server")
    .description(
      "run the embedded Temporal server on the data folder's state file until Ctrl-C; other sstar commands join it",
    )
    .action(async () => {
      const { dataDir } = program.opts<GlobalOptions>();
      const running = runningServerRecord(dataDir);
      if (running)
        throw new Error(`an embedded server (pid ${running.pid}) already runs at ${running.address}`);
      const server = await EmbeddedTemporalServer.start({ dataDir });
      console.log(`Temporal at ${server.address} (namespace ${server.namespace}); Web UI: ${server.uiUrl}`);
      console.log(`state: ${server.record.stateFile}; Ctrl-C stops it`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", () => resolve());
        process.once("SIGTERM", () => resolve());
      });
      await server.stop();
    });
}
