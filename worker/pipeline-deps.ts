import { join } from "node:path";
import type { PipelineDeps } from "../activities/pipeline-activities";
import { OpenAiGateway } from "../llm/openai-gateway";
import { createExecutor, type Isolation } from "../sandbox/create-executor";
import { RemoteExecutor } from "../sandbox/service/remote-executor";
import type { ProgramExecutor } from "../sandbox/types";
import { LocalContentStore, LocalKeyedStore } from "../store/content-store";

export interface PipelineDepsOptions {
  dataDir: string;
  /** The sandbox service to execute on (SSTAR_SANDBOX_URL); otherwise a local executor. */
  sandboxUrl?: string;
  sandboxToken?: string;
  isolation?: Isolation;
  unsafe?: boolean;
}

/** What the pipeline activities of one worker share: the store, the caches, the LLM and the sandbox. */
export function createPipelineDeps(options: PipelineDepsOptions): PipelineDeps & { close(): Promise<void> } {
  let executor: Promise<ProgramExecutor> | undefined;
  const getExecutor = () => {
    executor ??= options.sandboxUrl
      ? Promise.resolve(new RemoteExecutor({ baseUrl: options.sandboxUrl, token: options.sandboxToken }))
      : createExecutor({ dataDir: options.dataDir, isolation: options.isolation, unsafe: options.unsafe });
    return executor;
  };
  return {
    store: new LocalContentStore(join(options.dataDir, "store")),
    llm: new OpenAiGateway(new LocalKeyedStore(join(options.dataDir, "cache", "llm"))),
    executionCache: new LocalKeyedStore(join(options.dataDir, "cache", "exec")),
    datasetCacheDir: join(options.dataDir, "cache"),
    executor: getExecutor,
    close: async () => {
      if (executor) await (await executor).close();
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
  };
}
