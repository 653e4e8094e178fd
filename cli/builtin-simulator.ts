import { BUILTIN_SIMULATOR_URL } from "../config/presets";
import type { RunConfig } from "../config/run-config";
import { selectProblems } from "../datasets/select-problems";
import { createExecutor } from "../sandbox/create-executor";
import {
  type BehaviourProfile,
  parseBehaviourConfig,
  parseBehaviourProfile,
} from "../simulator/behaviour/behaviour-config";
import { createSimulatorServer } from "../simulator/server";
import {
  buildSimulatedCodeModel,
  mutantCacheDir,
  mutantsPerProblem,
} from "../simulator/simulated-code-model";

/** Where the gateway finds the built-in simulator of this process (see BUILTIN_SIMULATOR_URL). */
export const BUILTIN_SIM_ENV = "SSTAR_BUILTIN_SIM_URL";

/** The built-in simulator's behaviour profile (kind or realistic; unset or empty: kind). */
export const BUILTIN_SIM_PROFILE_ENV = "SSTAR_SIM_PROFILE";

/** The profile SSTAR_SIM_PROFILE asks for; an invalid value is an error naming the variable. */
export function builtinSimulatorProfile(env: NodeJS.ProcessEnv = process.env): BehaviourProfile {
  const value = env[BUILTIN_SIM_PROFILE_ENV];
  return value === undefined || value === "" ? "kind" : parseBehaviourProfile(value, BUILTIN_SIM_PROFILE_ENV);
}

/**
 * Starts sstar's simulated endpoint in this process when the run's configuration names
 * `sim://builtin/v1`, knowing the run's own dataset; returns undefined when it is not needed.
 */
export async function startBuiltinSimulatorIfNeeded(
  config: RunConfig,
  dataDir: string,
): Promise<{ close(): Promise<void> } | undefined> {
  if (!Object.values(config.endpoints).some((e) => e.baseUrl === BUILTIN_SIMULATOR_URL)) return undefined;
  const behaviour = parseBehaviourConfig({ profile: builtinSimulatorProfile() }, BUILTIN_SIM_PROFILE_ENV);
  const executor = await createExecutor({ dataDir, poolSize: 1 });
  try {
    const { responder } = await buildSimulatedCodeModel({
      problems: await selectProblems(config.dataset, {
        cacheDir: `${dataDir}/cache`,
        skipBad: config.dataset.skipBad,
        // The command that started the run has already told what was skipped.
        onSkipped: () => {},
      }),
      cacheDir: mutantCacheDir(dataDir),
      seed: config.seed,
      behaviour,
      executor,
      mutantsPerProblem: mutantsPerProblem(),
      timeSec: config.limits.timeSec,
    });
    const models = [
      ...new Set(
        Object.values(config.roles)
          .map((r) => r?.model)
          .filter((m): m is string => !!m),
      ),
    ];
    const server = createSimulatorServer({
      responder,
      config: { models, seed: config.seed, latency: "zero" },
      // Tests count the requests a command made (e.g. none for generation in a reselection).
      log: process.env.SSTAR_SIM_LOG || undefined,
    });
    const { url } = await server.listen(0, "127.0.0.1");
    process.env[BUILTIN_SIM_ENV] = url;
    return {
      close: async () => {
        await server.close();
        delete process.env[BUILTIN_SIM_ENV];
      },
    };
  } finally {
    await executor.close();
  }
}
