import { availableParallelism } from "node:os";
import { type Command, InvalidArgumentError, Option } from "commander";
import { collectDefaultMetrics, Registry } from "prom-client";
import { createExecutor } from "../../sandbox/create-executor";
import { createSandboxServer } from "../../sandbox/service/server";
import { UnavailableError, UsageError } from "../exit-errors";
import type { GlobalOptions } from "../global-options";

interface ServeOptions {
  port: number;
  host: string;
  isolation: "gvisor" | "process" | "auto";
  unsafeNoSandbox?: boolean;
  poolSize?: number;
  maxQueue: number;
  maxBodyBytes: number;
  tokenEnv?: string;
}

function nonNegativeInteger(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new InvalidArgumentError("not a non-negative integer");
  return value;
}

function positiveInteger(text: string): number {
  const value = nonNegativeInteger(text);
  if (value === 0) throw new InvalidArgumentError("must be at least 1");
  return value;
}

export function registerSandbox(program: Command): void {
  const sandbox = program.command("sandbox").description("the sandbox that executes model-written programs");
  sandbox
    .command("serve")
    .description(
      "serve the sandbox over HTTP (POST /v1/execute, /healthz, /readyz, /metrics); prints the base URL " +
        "first; SIGTERM drains admitted work and exits 0",
    )
    .option("--port <n>", "TCP port (0 picks a free one)", nonNegativeInteger, 8080)
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .addOption(
      new Option("--isolation <kind>", "gvisor (runsc), process (inside a gVisor pod), auto")
        .choices(["gvisor", "process", "auto"])
        .default("auto"),
    )
    .option("--unsafe-no-sandbox", "allow process isolation outside gVisor (programs can touch this machine)")
    .option("--pool-size <n>", "programs running at once (default: the CPU count)", positiveInteger)
    .option(
      "--max-queue <n>",
      "programs that may wait behind the running ones; beyond that, 429",
      nonNegativeInteger,
      64,
    )
    .option("--max-body-bytes <n>", "largest request body", positiveInteger, 64 * 1024 ** 2)
    .option("--token-env <name>", "require `Authorization: Bearer $NAME` on POST /v1/execute")
    .action(async (options: ServeOptions) => {
      const { dataDir } = program.opts<GlobalOptions>();
      let token: string | undefined;
      if (options.tokenEnv !== undefined) {
        token = process.env[options.tokenEnv];
        if (!token)
          throw new UsageError(
            `--token-env ${options.tokenEnv}: that environment variable is empty or unset`,
          );
      }
      const poolSize = options.poolSize ?? Math.max(1, availableParallelism());
      const executor = await createExecutor({
        isolation: options.isolation,
        unsafe: options.unsafeNoSandbox ?? false,
        poolSize,
        dataDir,
      });
      const registry = new Registry();
      collectDefaultMetrics({ register: registry });
      const server = createSandboxServer({
        executor,
        maxConcurrent: poolSize,
        maxQueue: options.maxQueue,
        maxBodyBytes: options.maxBodyBytes,
        token,
        registry,
      });
      let url: string;
      try {
        ({ url } = await server.listen(options.port, options.host));
      } catch (error) {
        await executor.close();
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "EADDRINUSE" || code === "EADDRNOTAVAIL")
          throw new UnavailableError(
            `cannot listen on ${options.host}:${options.port}: ${(error as Error).message}`,
          );
        throw error;
      }
      // Handlers go in before the ready lines: whoever reads them may signal at once.
      const stopRequested = new Promise<NodeJS.Signals>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      console.log(url);
      console.error(
        `sstar sandbox: serving ${poolSize} at once, ${options.maxQueue} queued at most` +
          `${token ? ", bearer token required" : ""}; SIGTERM or Ctrl-C drains and stops`,
      );
      const signal = await stopRequested;
      // A second signal means the operator will not wait for the drain.
      const forceExit = () => process.exit(1);
      process.once("SIGINT", forceExit);
      process.once("SIGTERM", forceExit);
      console.error(`sstar sandbox: ${signal}: draining`);
      await server.close();
      await executor.close();
      console.error("sstar sandbox: stopped");
    });
}
