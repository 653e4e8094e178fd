import { Command } from "commander";
import { dataDir } from "../runtime/paths";
import { registerDemo } from "./commands/demo";
import { registerDoctor } from "./commands/doctor";
import { registerServer } from "./commands/server";
import { registerWorker } from "./commands/worker";

const program = new Command()
  .name("sstar")
  .description("S* test-time scaling for code generation, as a durable Temporal pipeline")
  .option("--data-dir <dir>", "sstar's data folder (state, logs, results); env SSTAR_DATA_DIR", dataDir())
  .showHelpAfterError();

registerDemo(program);
registerDoctor(program);
registerServer(program);
registerWorker(program);

try {
  await program.parseAsync();
} catch (err) {
  console.error(`sstar: ${(err as Error).message}`);
  process.exitCode = 1;
}
