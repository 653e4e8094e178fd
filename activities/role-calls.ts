import { createHash } from "node:crypto";
import { type RoleConfig, type RoleName, type RunConfig, roleConfig } from "../config/run-config";
import type { LlmGateway, Sampling, TokenUsage } from "../llm/llm-gateway";
import type { ChatMessage } from "../method/dspy-layout";
import { addTokenCounts, type Stage, type StageUsage, type TokenCounts } from "../method/pipeline-records";
import type { ActivitySpend } from "../spend/spend-context";

/** A request seed derived from (run seed, problem, what is asked, role): reproducible per problem. */
export function requestSeed(runSeed: number, problemId: string, key: string, role: RoleName): number {
  const digest = createHash("sha256")
    .update(`${runSeed}\u0000${problemId}\u0000${key}\u0000${role}`)
    .digest();
  return digest.readUInt32LE(0) & 0x7fffffff;
}

export interface RoleCallResult {
  texts: string[];
  finishReasons: string[];
  usage: StageUsage;
  /** The call's price had the response cache answered nothing: what a sweep's setting costs alone. */
  standalone: TokenCounts;
  stage: Stage;
}

/**
 * Asks a role's model for one completion per key. The response cache key covers the endpoint's
 * configured address and the model (a changed endpoint never serves another's answers), the exact
 * messages and sampling, the run seed and the key (e.g. the sample index), so a completion
 * is paid for once however often the activity is retried or the run resumed. What is paid is
 * recorded under `payer`, with the stage, the role and the role's endpoint name.
 */
export async function callRole(
  llm: LlmGateway,
  config: RunConfig,
  role: RoleName,
  stage: Stage,
  problemId: string,
  messages: ChatMessage[],
  keys: string[],
  payer: ActivitySpend,
  tryIndex?: number,
): Promise<RoleCallResult> {
  const settings = roleConfig(config, role);
  const endpoint = config.endpoints[settings.endpoint];
  if (!endpoint) throw new Error(`roles.${role}.endpoint: endpoint "${settings.endpoint}" is not configured`);
  const sampling = samplingForTry(settings.sampling, tryIndex);
  const baseSeed = settings.sampling.seed;
  const fingerprint = createHash("sha256")
    .update(
      JSON.stringify([endpoint.baseUrl, settings.model, messages, sampling, baseSeed ?? null, config.seed]),
    )
    .digest("hex");
  const completion = await llm.complete({
    endpoint,
    model: settings.model,
    messages,
    sampling,
    choices: keys.map((key) => ({
      cacheKey: `llm:${fingerprint}:${key}`,
      seed: requestSeed(config.seed + (baseSeed ?? 0), problemId, key, role),
    })),
    spend: { ...payer, stage, role, endpoint: settings.endpoint },
  });
  const paid = tokenCountsOf(completion.usage, completion.requests);
  const saved = tokenCountsOf(completion.servedFromCache.usage, completion.servedFromCache.requests);
  return {
    texts: completion.choices.map((c) => c.text),
    finishReasons: completion.choices.map((c) => c.finishReason),
    usage: {
      ...paid,
      ...(saved.requests + saved.prompt + saved.completion > 0 ? { fromCache: saved } : {}),
    },
    standalone: addTokenCounts(paid, saved),
    stage,
  };
}

/**
 * What a request sends on try `tryIndex` (0-based) of a retried call: the role's sampling with the
 * try's temperature when `tryTemperatures` is set (the last one repeats past its end). The seed
 * and the try list itself are sstar's, never sent.
 */
export function samplingForTry(sampling: RoleConfig["sampling"], tryIndex?: number): Sampling {
  const { seed: _seed, tryTemperatures, ...sent } = sampling;
  if (tryIndex === undefined || !tryTemperatures) return sent;
  const temperature = tryTemperatures[Math.min(tryIndex, tryTemperatures.length - 1)];
  return { ...sent, temperature };
}

function tokenCountsOf(usage: TokenUsage, requests: number): TokenCounts {
  return { requests, prompt: usage.prompt, completion: usage.completion, reasoning: usage.reasoning };
}
