import type { Command } from "commander";
import { createExecutor } from "../../sandbox/create-executor";
import {
  BEHAVIOUR_PROFILES,
  parseBehaviourConfig,
  parseBehaviourProfile,
} from "../../simulator/behaviour/behaviour-config";
import { createSimulatorServer } from "../../simulator/server";
import { defaultSimConfig, loadSimConfig } from "../../simulator/sim-config";
import {
  mutantCacheDir,
  mutantsPerProblem,
  readProblemFiles,
  startSimulatedCodeModel,
} from "../../simulator/simulated-code-model";
import type { GlobalOptions } from "../global-options";

interface SimOptions {
  port?: string;
  host?: string;
  problems: string[];
  seed?: string;
  config?: string;
  log?: string;
  profile?: string;
  unsafeNoSandbox?: boolean;
}

export function registerSim(program: Command): void {
  program
    .command("sim")
    .description("serve sstar's simulated OpenAI-compatible code model (a stand-in for vLLM) until stopped")
    .option("--port <port>", "port to listen on (0: any free port)")
    .option("--host <host>", "address to listen on")
    .option(
      "--problems <file>",
      "problems the model knows (JSONL rows with reference_solution); repeatable",
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option("--seed <n>", "seed of every draw")
    .option("--config <file>", "simulator configuration (YAML or JSON; see docs/simulator.md)")
    .option("--log <file>", "append a JSONL line per request")
    .option(
      "--profile <profile>",
      `behaviour profile: ${BEHAVIOUR_PROFILES.join(" or ")} (default: behaviour.profile of --config, else kind)`,
    )
    .option("--unsafe-no-sandbox", "check mutants without gVisor (dangerous)")
    .action(async (options: SimOptions) => {
      const { dataDir } = program.opts<GlobalOptions>();
      const overrides = {
        ...(options.port !== undefined ? { port: Number(options.port) } : {}),
        ...(options.host !== undefined ? { host: options.host } : {}),
        ...(options.seed !== undefined ? { seed: Number(options.seed) } : {}),
      };
      const profile =
        options.profile === undefined ? undefined : parseBehaviourProfile(options.profile, "--profile");
      const config = options.config
        ? loadSimConfig(options.config, overrides)
        : { ...defaultSimConfig(), ...overrides };
      // --profile wins over the file's behaviour.profile; behaviour.realism.* still apply over it.
      const behaviour = parseBehaviourConfig(
        profile === undefined ? config.behaviour : { ...config.behaviour, profile },
        options.config ?? "simulator configuration",
      );
      const problems = await readProblemFiles(options.problems);
      const executor = await createExecutor({ dataDir, unsafe: options.unsafeNoSandbox });
      // The server answers at once; a request about a problem whose wrong programs are not checked
      // yet waits for that problem, which jumps the queue (a clean machine takes minutes for all).
      const model = startSimulatedCodeModel({
        problems,
        cacheDir: mutantCacheDir(dataDir),
        seed: config.seed,
        executor,
        mutantsPerProblem: mutantsPerProblem(),
        behaviour,
        onProblem: (id, fromCache, done, total) =>
          process.stderr.write(
            `sstar sim: ${fromCache ? "loaded" : "checked"} mutants of ${id} (${done}/${total})\n`,
          ),
      });
      const checked = model.done.then(
        () => process.stderr.write("sstar sim: every problem's mutants are ready\n"),
        (err: Error) => process.stderr.write(`sstar sim: checking mutants failed: ${err.message}\n`),
      );
      let closed: Promise<void> | undefined;
      const closeExecutor = () => {
        closed ??= executor.close();
        return closed;
      };
      void checked.finally(closeExecutor);
      const server = createSimulatorServer({ responder: model.responder, config, log: options.log });
      const { url } = await server.listen(config.port, config.host);
      // Handlers go in before the ready lines: whoever reads them may signal at once.
      const stopRequested = new Promise<void>((resolve) => {
        process.once("SIGINT", () => resolve());
        process.once("SIGTERM", () => resolve());
      });
      console.log(url);
      process.stderr.write(
        `sstar sim: ${problems.length} problems known; models ${config.models.join(", ")}; profile ${behaviour.profile}; Ctrl-C stops\n`,
      );
      await stopRequested;
      await server.close();
      // Checks still running are abandoned: what was checked is in the cache already.
      await closeExecutor();
    });
}
