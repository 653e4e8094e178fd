import OpenAI from "openai";
import { BUILTIN_SIMULATOR_URL } from "../config/presets";
import type { LlmSpendEntry } from "../ledger/types";
import { llmRequestId } from "../spend/request-ids";
import type { LlmSpendContext } from "../spend/spend-context";
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
  /** This choice's share of the response that paid for it (absent in entries cached before it was kept). */
  paid?: PaidShare;
}

interface PaidShare {
  usage: TokenUsage;
  requests: number;
}

/** One response's usage split evenly over the `count` choices it answered, as integers summing to it. */
function paidShares(paid: TokenUsage, count: number): PaidShare[] {
  const split = (total: number) => {
    const base = Math.floor(total / count);
    return Array.from({ length: count }, (_, k) => base + (k < total - base * count ? 1 : 0));
  };
  const [prompt, completion, reasoning, cachedPrompt, requests] = [
    split(paid.prompt),
    split(paid.completion),
    split(paid.reasoning),
    split(paid.cachedPrompt),
    split(1),
  ];
  return Array.from({ length: count }, (_, k) => ({
    usage: {
      prompt: prompt[k] ?? 0,
      completion: completion[k] ?? 0,
      reasoning: reasoning[k] ?? 0,
      cachedPrompt: cachedPrompt[k] ?? 0,
    },
    requests: requests[k] ?? 0,
  }));
}

/** This call's claim on a cache key: it asks for the completion, concurrent callers await it. */
interface Claim {
  cacheKey: string;
  seed?: number;
  /** The choice's index in the request. */
  i: number;
  promise: Promise<CachedChoice>;
  resolve(value: CachedChoice): void;
  reject(err: Error): void;
}

function newClaim(cacheKey: string, seed: number | undefined, i: number): Claim {
  let resolve!: (value: CachedChoice) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<CachedChoice>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A claim nobody waits for may be rejected (its request failed); that is not an unhandled error.
  promise.catch(() => {});
  return { cacheKey, seed, i, promise, resolve, reject };
}

/** The ledger entry of one HTTP response, paid by `request.spend`. */
function ledgerEntry(
  request: CompletionRequest,
  batch: readonly Claim[],
  paid: TokenUsage,
  latencyMs: number,
): LlmSpendEntry {
  const spend = request.spend as LlmSpendContext;
  return {
    requestId: llmRequestId(
      spend,
      batch.map((c) => c.cacheKey),
    ),
    runId: spend.runId,
    budgetSetting: spend.budgetSetting,
    problemId: spend.problemId,
    stage: spend.stage,
    role: spend.role,
    model: request.model,
    endpoint: spend.endpoint,
    promptTokens: paid.prompt,
    completionTokens: paid.completion,
    cachedTokens: paid.cachedPrompt,
    reasoningTokens: paid.reasoning,
    latencyMs,
    attempt: spend.attempt,
    at: new Date().toISOString(),
  };
}

/**
 * The real gateway: the `openai` client against any OpenAI-compatible base URL (vLLM, OpenAI,
 * sstar's simulator), one concurrency limit per endpoint (requests, and sequences when the
 * server's batch is known; the oldest problem's requests go first), and the response cache in front.
 * It does not retry: Temporal's retry policy does, so retries are visible and bounded.
 */
export class OpenAiGateway implements LlmGateway {
  private readonly clients = new Map<string, OpenAI>();
  private readonly limiters = new Map<string, ConcurrencyLimiter>();
  /** Completions being asked for now, by cache key. */
  private readonly inFlight = new Map<string, Promise<CachedChoice>>();

  constructor(
    private readonly cache: KeyedStore,
    private readonly spend: SpendRecorder = NO_SPEND_RECORDING,
  ) {}

  async complete(request: CompletionRequest): Promise<Completion> {
    const started = Date.now();
    const results: (CompletionChoice | undefined)[] = request.choices.map(() => undefined);
    // One request per cache key at a time in this worker: a key already being asked for is
    // awaited, so the same completion is neither paid nor recorded twice by concurrent callers.
    const waits: Promise<void>[] = [];
    const claims: Claim[] = [];
    const served: (PaidShare | undefined)[] = [];
    request.choices.forEach((c, i) => {
      const pending = this.inFlight.get(c.cacheKey);
      if (pending) {
        waits.push(
          pending.then((value) => {
            results[i] = { text: value.text, finishReason: value.finishReason, fromCache: true };
            served.push(value.paid);
          }),
        );
        return;
      }
      const claim = newClaim(c.cacheKey, c.seed, i);
      this.inFlight.set(c.cacheKey, claim.promise);
      claims.push(claim);
    });
    // Handled from now on: another caller's failure must not surface as an unhandled rejection
    // while this call is still asking for its own keys.
    const waited = Promise.all(waits);
    waited.catch(() => {});
    let usage: TokenUsage = ZERO_USAGE;
    let requests = 0;
    try {
      const missing: Claim[] = [];
      await Promise.all(
        claims.map(async (claim) => {
          const hit = await this.cache.get<CachedChoice>(claim.cacheKey);
          if (!hit) return missing.push(claim);
          results[claim.i] = { text: hit.text, finishReason: hit.finishReason, fromCache: true };
          served.push(hit.paid);
          claim.resolve(hit);
        }),
      );
      missing.sort((a, b) => a.i - b.i);
      const batches = request.endpoint.supportsN
        ? missing.length
          ? [missing]
          : []
        : missing.map((m) => [m]);
      await Promise.all(
        batches.map(async (batch) => {
          const { response, latencyMs } = await this.request(request, batch.length, batch[0]?.seed);
          requests++;
          const paid = usageOf(response);
          usage = addUsage(usage, paid);
          // Recorded before cached: once a later attempt can find these choices in the cache
          // (and pay nothing), what this one paid for them is already in the ledger.
          if (request.spend) await this.spend.llm(ledgerEntry(request, batch, paid, latencyMs));
          const shares = paidShares(paid, batch.length);
          await Promise.all(
            batch.map(async (wanted, k) => {
              const choice = response.choices[k];
              if (!choice) return;
              const value: CachedChoice = {
                text: choice.message?.content ?? "",
                finishReason: choice.finish_reason ?? "stop",
                paid: shares[k],
              };
              // Cached before returning: a completion paid for is never asked for again, even after a crash.
              await this.cache.putIfAbsent(wanted.cacheKey, value);
              results[wanted.i] = { text: value.text, finishReason: value.finishReason, fromCache: false };
              wanted.resolve(value);
            }),
          );
        }),
      );
    } catch (err) {
      // Callers waiting on these keys fail as this call does (a permanent error stays permanent).
      for (const claim of claims) claim.reject(err as Error);
      throw err;
    } finally {
      for (const claim of claims) {
        claim.reject(new Error(`the endpoint returned no completion for ${claim.cacheKey}`));
        this.inFlight.delete(claim.cacheKey);
      }
    }
    await waited;
    const choices = results.map((r, i) => {
      if (!r) throw new Error(`the endpoint returned fewer choices than asked (missing choice ${i})`);
      return r;
    });
    const servedFromCache: PaidShare = { usage: ZERO_USAGE, requests: 0 };
    for (const share of served) {
      if (!share) continue;
      servedFromCache.usage = addUsage(servedFromCache.usage, share.usage);
      servedFromCache.requests += share.requests;
    }
    return { choices, usage, requests, servedFromCache, latencyMs: Date.now() - started };
  }

  queuedSequences(baseUrl: string): number {
    return this.limiters.get(baseUrl)?.queuedSequences ?? 0;
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
      const { concurrency, maxNumSeqs } = request.endpoint;
      // With the server's batch known, about a quarter of a batch more than it runs waits there (a
      // finished sequence is replaced at once); everything else waits here, oldest problem first.
      const sequenceLimit = maxNumSeqs ? maxNumSeqs + Math.ceil(maxNumSeqs / 4) : Number.POSITIVE_INFINITY;
      limiter = new ConcurrencyLimiter(concurrency, sequenceLimit);
      this.limiters.set(request.endpoint.baseUrl, limiter);
    }
    return limiter;
  }

  /** One HTTP request; `latencyMs` is from being let through the endpoint's limit to the response. */
  private async request(
    request: CompletionRequest,
    n: number,
    seed: number | undefined,
  ): Promise<{ response: OpenAI.Chat.ChatCompletion; latencyMs: number }> {
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
      return await this.limiter(request).run(async () => {
        const sent = Date.now();
        const response = await this.client(request).chat.completions.create(
          body as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming,
        );
        return { response, latencyMs: Date.now() - sent };
      }, n);
    } catch (err) {
      const { spend } = request;
      if (spend) {
        const { runId, budgetSetting, stage, role, endpoint } = spend;
        this.spend.llmError({ runId, budgetSetting, stage, role, model, endpoint, kind: llmErrorKind(err) });
      }
      throw classify(err, request.endpoint.baseUrl, model);
    }
  }
}

/** `sim://builtin/v1` names the simulator that `sstar run` started in this process. */
export function resolveBaseUrl(baseUrl: string): string {
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

/** What kind of failure a request met, as the spend recorder counts errors. */
export function llmErrorKind(err: unknown): string {
  if (err instanceof PermanentLlmError) return err.kind;
  if (err instanceof OpenAI.APIConnectionTimeoutError) return "timeout";
  if (err instanceof OpenAI.APIConnectionError) return "connection";
  if (err instanceof OpenAI.APIError && typeof err.status === "number") {
    if (err.status === 400 || err.status === 422) {
      return CONTEXT_OVERFLOW.test(err.message) ? "context_overflow" : "bad_request";
    }
    if (err.status === 401 || err.status === 403) return "auth";
    if (err.status === 404) return "not_found";
    if (err.status === 408) return "timeout";
    if (err.status === 429) return "rate_limited";
    if (err.status >= 500) return "server_error";
    return `http_${err.status}`;
  }
  return "other";
}

const CONTEXT_OVERFLOW = /context length|context_length|maximum context|too many tokens/i;

/** Permanent failures become PermanentLlmError; the rest stay retryable. */
function classify(err: unknown, baseUrl: string, model: string): Error {
  if (err instanceof PermanentLlmError) return err;
  if (err instanceof OpenAI.APIError && typeof err.status === "number") {
    const where = `${baseUrl} (model ${model}): HTTP ${err.status}: ${err.message}`;
    if (err.status === 400 || err.status === 422) {
      const overflow = CONTEXT_OVERFLOW.test(err.message);
      return new PermanentLlmError(overflow ? "context_overflow" : "bad_request", where);
    }
    if (err.status === 401 || err.status === 403) return new PermanentLlmError("auth", where);
    if (err.status === 404) return new PermanentLlmError("not_found", where);
    return new Error(where);
  }
  return new Error(`${baseUrl} (model ${model}): ${(err as Error).message ?? String(err)}`);
}
