import OpenAI from "openai";
import { BUILTIN_SIMULATOR_URL } from "../config/presets";
import { NO_SPEND_RECORDING, type SpendRecorder } from "../spend/spend-recorder";
import type { KeyedStore } from "../store/content-store";
import { ConcurrencyLimiter } from "./concurrency-limiter";
import {
  addUsage,
  type Completion,
  type CompletionChoice,
  type CompletionRequest,
  type LlmGateway,
  PermanentLlmError,
  type TokenUsage,
  ZERO_USAGE,
} from "./llm-gateway";

interface CachedChoice {
  text: string;
  finishReason: string;
}

/**
 * The real gateway: the `openai` client against any OpenAI-compatible base URL (vLLM, OpenAI,
 * sstar's simulator), one concurrency limit per endpoint, and the response cache in front.
 * It does not retry: Temporal's retry policy does, so retries are visible and bounded.
 */
export class OpenAiGateway implements LlmGateway {
  private readonly clients = new Map<string, OpenAI>();
  private readonly limiters = new Map<string, ConcurrencyLimiter>();

  constructor(
    private readonly cache: KeyedStore,
    private readonly spend: SpendRecorder = NO_SPEND_RECORDING,
  ) {}

  async complete(request: CompletionRequest): Promise<Completion> {
    const started = Date.now();
    const results: (CompletionChoice | undefined)[] = await Promise.all(
      request.choices.map(async (c) => {
        const hit = await this.cache.get<CachedChoice>(c.cacheKey);
        return hit ? { ...hit, fromCache: true } : undefined;
      }),
    );
    const missing = request.choices.map((c, i) => ({ ...c, i })).filter(({ i }) => results[i] === undefined);
    let usage: TokenUsage = ZERO_USAGE;
    let requests = 0;
    const batches = request.endpoint.supportsN ? (missing.length ? [missing] : []) : missing.map((m) => [m]);
    const writes: Promise<unknown>[] = [];
    await Promise.all(
      batches.map(async (batch) => {
        const response = await this.request(request, batch.length, batch[0]?.seed);
        requests++;
        usage = addUsage(usage, usageOf(response));
        batch.forEach((wanted, k) => {
          const choice = response.choices[k];
          if (!choice) return;
          const value: CachedChoice = {
            text: choice.message?.content ?? "",
            finishReason: choice.finish_reason ?? "stop",
          };
          results[wanted.i] = { ...value, fromCache: false };
          writes.push(this.cache.putIfAbsent(wanted.cacheKey, value));
        });
      }),
    );
    // Cached before returning: a completion paid for is never asked for again, even after a crash.
    await Promise.all(writes);
    const choices = results.map((r, i) => {
      if (!r) throw new Error(`the endpoint returned fewer choices than asked (missing choice ${i})`);
      return r;
    });
    return { choices, usage, requests, latencyMs: Date.now() - started };
  }

  private client(request: CompletionRequest): OpenAI {
    const { endpoint } = request;
    const key = `${endpoint.baseUrl}\u0000${endpoint.apiKeyEnv ?? ""}`;
    let client = this.clients.get(key);
    if (!client) {
      const apiKey = endpoint.apiKeyEnv ? process.env[endpoint.apiKeyEnv] : "unused";
      const baseURL = resolveBaseUrl(endpoint.baseUrl);
      if (!apiKey) {
        throw new PermanentLlmError(
          "auth",
          `environment variable ${endpoint.apiKeyEnv} (API key for ${endpoint.baseUrl}) is not set`,
        );
      }
      client = new OpenAI({
        baseURL,
        apiKey,
        maxRetries: 0,
        timeout: endpoint.timeoutSec * 1000,
      });
      this.clients.set(key, client);
    }
    return client;
  }

  private limiter(request: CompletionRequest): ConcurrencyLimiter {
    let limiter = this.limiters.get(request.endpoint.baseUrl);
    if (!limiter) {
      limiter = new ConcurrencyLimiter(request.endpoint.concurrency);
      this.limiters.set(request.endpoint.baseUrl, limiter);
    }
    return limiter;
  }

  private async request(request: CompletionRequest, n: number, seed: number | undefined) {
    const { sampling, model } = request;
    // OpenAI's reasoning models take max_completion_tokens; everything else (vLLM too) max_tokens.
    const capKey = /^o\d/.test(model) ? "max_completion_tokens" : "max_tokens";
    const body = {
      model,
      messages: request.messages,
      n,
      ...(sampling.temperature !== undefined ? { temperature: sampling.temperature } : {}),
      ...(sampling.topP !== undefined ? { top_p: sampling.topP } : {}),
      ...(sampling.maxTokens !== undefined ? { [capKey]: sampling.maxTokens } : {}),
      ...(seed !== undefined ? { seed } : {}),
    };
    try {
      return await this.limiter(request).run(() =>
        this.client(request).chat.completions.create(
          body as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming,
        ),
      );
    } catch (err) {
      throw classify(err, request.endpoint.baseUrl, model);
    }
  }
}

/** `sim://builtin/v1` names the simulator that `sstar run` started in this process. */
function resolveBaseUrl(baseUrl: string): string {
  if (baseUrl !== BUILTIN_SIMULATOR_URL) return baseUrl;
  const url = process.env.SSTAR_BUILTIN_SIM_URL;
  if (!url) {
    throw new PermanentLlmError(
      "not_found",
      `${baseUrl} names sstar's built-in simulator, which runs only inside \`sstar run\`; start one with \`sstar sim\` and pass --endpoint`,
    );
  }
  return url;
}

function usageOf(response: OpenAI.Chat.ChatCompletion): TokenUsage {
  const u = response.usage;
  return {
    prompt: u?.prompt_tokens ?? 0,
    completion: u?.completion_tokens ?? 0,
    reasoning: u?.completion_tokens_details?.reasoning_tokens ?? 0,
    cachedPrompt: u?.prompt_tokens_details?.cached_tokens ?? 0,
  };
}

/** Permanent failures become PermanentLlmError; the rest stay retryable. */
function classify(err: unknown, baseUrl: string, model: string): Error {
  if (err instanceof PermanentLlmError) return err;
  if (err instanceof OpenAI.APIError && typeof err.status === "number") {
    const where = `${baseUrl} (model ${model}): HTTP ${err.status}: ${err.message}`;
    if (err.status === 400 || err.status === 422) {
      const overflow = /context length|context_length|maximum context|too many tokens/i.test(err.message);
      return new PermanentLlmError(overflow ? "context_overflow" : "bad_request", where);
    }
    if (err.status === 401 || err.status === 403) return new PermanentLlmError("auth", where);
    if (err.status === 404) return new PermanentLlmError("not_found", where);
    return new Error(where);
  }
  return new Error(`${baseUrl} (model ${model}): ${(err as Error).message ?? String(err)}`);
}
