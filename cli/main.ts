import { Command } from "commander";
import { ConfigError } from "../config/load-run-config";
import { dataDir } from "../runtime/paths";
import { registerCluster } from "./commands/cluster";
import { registerData } from "./commands/data";
import { registerDemo } from "./commands/demo";
import { registerDoctor } from "./commands/doctor";
import { registerEstimate } from "./commands/estimate";
import { registerExec } from "./commands/exec";
import { registerLedger } from "./commands/ledger";
import { registerPresets } from "./commands/presets";
import { registerReport } from "./commands/report";
import { registerReselect } from "./commands/reselect";
import { registerRun } from "./commands/run";
import { registerSandbox } from "./commands/sandbox";
import { registerServer } from "./commands/server";
import { registerSim } from "./commands/sim";
import { registerSmoke } from "./commands/smoke";
import { registerStatus } from "./commands/status";
import { registerSweep } from "./commands/sweep";
import { registerWorker } from "./commands/worker";

// `sstar presets | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

const program = new Command()
  .name("sstar")
  .description("S* test-time scaling for code generation, as a durable Temporal pipeline")
  .option("--data-dir <dir>", "sstar's data folder (state, logs, results); env SSTAR_DATA_DIR", dataDir())
  .showHelpAfterError()
  // Subcommands inherit it: a usage error (unknown flag, bad value) exits 2, help and --version 0.
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

registerCluster(program);
registerData(program);
registerDemo(program);
registerDoctor(program);
registerEstimate(program);
registerExec(program);
registerLedger(program);
registerPresets(program);
registerReport(program);
registerReselect(program);
registerRun(program);
registerSandbox(program);
registerServer(program);
registerSim(program);
registerSmoke(program);
registerStatus(program);
registerSweep(program);
registerWorker(program);

try {
  await program.parseAsync();
} catch (err) {
  console.error(`sstar: ${(err as Error).message}`);
  // 2: bad usage or input (configuration, dataset, key, model); 3: infrastructure unavailable; else 1.
  const code = (err as { exitCode?: unknown }).exitCode;
  process.exitCode = code === 2 || code === 3 ? code : err instanceof ConfigError ? 2 : 1;
}
