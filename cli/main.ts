import { Command } from "commander";
import { ConfigError } from "../config/load-run-config";
import { dataDir } from "../runtime/paths";

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

// Each command's module is loaded only when it is the one asked for: loading them all (the worker,
// the Kubernetes client, the simulator) took seconds on a loaded machine, which `sstar status`
// polled during a big run must not pay. Help without a command lists them all.
type Register = (program: Command) => void;
const COMMANDS: Record<string, () => Promise<Register>> = {
  cluster: async () => (await import("./commands/cluster")).registerCluster,
  data: async () => (await import("./commands/data")).registerData,
  demo: async () => (await import("./commands/demo")).registerDemo,
  doctor: async () => (await import("./commands/doctor")).registerDoctor,
  estimate: async () => (await import("./commands/estimate")).registerEstimate,
  exec: async () => (await import("./commands/exec")).registerExec,
  ledger: async () => (await import("./commands/ledger")).registerLedger,
  presets: async () => (await import("./commands/presets")).registerPresets,
  report: async () => (await import("./commands/report")).registerReport,
  reselect: async () => (await import("./commands/reselect")).registerReselect,
  run: async () => (await import("./commands/run")).registerRun,
  sandbox: async () => (await import("./commands/sandbox")).registerSandbox,
  server: async () => (await import("./commands/server")).registerServer,
  sim: async () => (await import("./commands/sim")).registerSim,
  smoke: async () => (await import("./commands/smoke")).registerSmoke,
  status: async () => (await import("./commands/status")).registerStatus,
  sweep: async () => (await import("./commands/sweep")).registerSweep,
  worker: async () => (await import("./commands/worker")).registerWorker,
};

/** The command named on the command line: the first argument that is not a global option. */
function commandName(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "--data-dir") i++;
    else if (!arg.startsWith("-")) return arg;
  }
  return undefined;
}

const named = commandName(process.argv.slice(2));
for (const name of named && COMMANDS[named] ? [named] : Object.keys(COMMANDS))
  (await (COMMANDS[name] as () => Promise<Register>)())(program);

try {
  await program.parseAsync();
} catch (err) {
  console.error(`sstar: ${(err as Error).message}`);
  // 2: bad usage or input (configuration, dataset, key, model); 3: infrastructure unavailable; else 1.
  const code = (err as { exitCode?: unknown }).exitCode;
  process.exitCode = code === 2 || code === 3 ? code : err instanceof ConfigError ? 2 : 1;
}
