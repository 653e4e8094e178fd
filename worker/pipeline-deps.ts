import { join } from "node:path";
import type { PipelineDeps } from "../activities/activity-support";
import { ledgerTarget, openLedger } from "../ledger/open-ledger";
import { OpenAiGateway } from "../llm/openai-gateway";
import { createExecutor, type Isolation } from "../sandbox/create-executor";
import { RemoteExecutor } from "../sandbox/service/remote-executor";
import type { ProgramExecutor } from "../sandbox/types";
import { LedgerSpendRecorder } from "../spend/ledger-spend-recorder";
import { CompositeSpendRecorder, type SpendRecorder } from "../spend/spend-recorder";
import { LocalContentStore, LocalKeyedStore } from "../store/content-store";
import { RunTimelines } from "./run-timeline";

export interface PipelineDepsOptions {
  dataDir: string;
  /** The sandbox service to execute on (SSTAR_SANDBOX_URL); otherwise a local executor. */
  sandboxUrl?: string;
  sandboxToken?: string;
  isolation?: Isolation;
  unsafe?: boolean;
  /** The spend ledger's PostgreSQL URL (SSTAR_LEDGER_URL, a cluster); otherwise SQLite in the data folder. */
  ledgerUrl?: string;
  /** Recorders fed after the ledger with the same spend (e.g. live metrics). */
  extraRecorders?: SpendRecorder[];
}

/**
 * What the pipeline activities of one worker share: the store, the caches, the LLM, the sandbox and
 * the spend ledger. The ledger is opened here, so a worker that cannot record spend does not start.
 */
export async function createPipelineDeps(
  options: PipelineDepsOptions,
): Promise<PipelineDeps & { close(): Promise<void> }> {
  const ledger = await openLedger(ledgerTarget(options.dataDir, options.ledgerUrl));
  // The ledger first: a failed durable write fails the activity before any other recorder counts it.
  const spend = new CompositeSpendRecorder([
    new LedgerSpendRecorder(ledger),
    ...(options.extraRecorders ?? []),
  ]);
  let executor: Promise<ProgramExecutor> | undefined;
  const getExecutor = () => {
    executor ??= options.sandboxUrl
      ? Promise.resolve(new RemoteExecutor({ baseUrl: options.sandboxUrl, token: options.sandboxToken }))
      : createExecutor({ dataDir: options.dataDir, isolation: options.isolation, unsafe: options.unsafe });
    return executor;
  };
  const timeline = new RunTimelines(options.dataDir);
  return {
    timeline,
    store: new LocalContentStore(join(options.dataDir, "store")),
    llm: new OpenAiGateway(new LocalKeyedStore(join(options.dataDir, "cache", "llm")), spend),
    executionCache: new LocalKeyedStore(join(options.dataDir, "cache", "exec")),
    datasetCacheDir: join(options.dataDir, "cache"),
    executor: getExecutor,
    spend,
    ledger,
    close: async () => {
      timeline.close();
      try {
        if (executor) await (await executor).close();
      } finally {
        await ledger.close();
      }
    },
  };
}

/** Options from the environment, for workers started by Kubernetes or by hand. */
export function pipelineDepsOptionsFromEnv(dataDir: string): PipelineDepsOptions {
  return {
    dataDir,
    sandboxUrl: process.env.SSTAR_SANDBOX_URL || undefined,
    sandboxToken: process.env.SSTAR_SANDBOX_TOKEN || undefined,
    isolation: (process.env.SSTAR_SANDBOX_ISOLATION as Isolation | undefined) || undefined,
    unsafe: process.env.SSTAR_UNSAFE_NO_SANDBOX === "1",
    ledgerUrl: process.env.SSTAR_LEDGER_URL || undefined,
  };
}
