import type { Command } from "commander";
import type { GlobalOptions } from "../global-options";
import { runCommand } from "./run";

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(
      "run S* end to end on the embedded default: the demo problems, the built-in simulated model, " +
        "embedded Temporal and gVisor (same as `sstar run demo`)",
    )
    .option("--json", "print the run summary as one JSON object on stdout")
    .action(async (options: { json?: boolean }) => {
      await runCommand(program.opts<GlobalOptions>().dataDir, "demo", { json: options.json });
    });
}
