import type { EndpointConfig } from "../config/run-config";
import type { ChatMessage } from "../method/dspy-layout";
import type { LlmSpendContext } from "../spend/spend-context";

export interface Sampling {
  temperature?: number;
  topP?: number;
  maxTokens?: number;
}

export interface CompletionRequest {
  endpoint: EndpointConfig;
  model: string;
  messages: ChatMessage[];
  sampling: Sampling;
  /**
   * One cache key and seed per wanted completion (e.g. per sample index): a completion already
   * returned for a key is never asked for again, by a retry, a resume or a reselection.
   */
  choices: { cacheKey: string; seed?: number }[];
  /** Who pays: every response received is recorded under it before its choices are cached. */
  spend?: LlmSpendContext;
}

export interface TokenUsage {
  prompt: number;
  completion: number;
  reasoning: number;
  cachedPrompt: number;
}

export interface CompletionChoice {
  text: string;
  finishReason: string;
  /** True when it came from sstar's response cache (no request, nothing paid now). */
  fromCache: boolean;
}

export interface Completion {
  choices: CompletionChoice[];
  /** What was paid for this call (zero for cached choices). */
  usage: TokenUsage;
  requests: number;
  /**
   * What the choices the response cache answered cost when they were paid (their share of the
   * paying response): the cache's saving on this call. Zero for entries cached before sstar kept it.
   */
  servedFromCache: { usage: TokenUsage; requests: number };
  latencyMs: number;
}

/** The LLM boundary: any OpenAI-compatible endpoint, behind a response cache. */
export interface LlmGateway {
  complete(request: CompletionRequest): Promise<Completion>;
  /**
   * Sequences this worker holds back for the endpoint at `baseUrl` (its queue, oldest problem
   * first): demand the endpoint's own /metrics do not show yet. Absent: none held.
   */
  queuedSequences?(baseUrl: string): number;
}

export const ZERO_USAGE: TokenUsage = { prompt: 0, completion: 0, reasoning: 0, cachedPrompt: 0 };

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    prompt: a.prompt + b.prompt,
    completion: a.completion + b.completion,
    reasoning: a.reasoning + b.reasoning,
    cachedPrompt: a.cachedPrompt + b.cachedPrompt,
  };
}

/** A failure the endpoint will repeat however often it is retried (bad request, context overflow, auth). */
export class PermanentLlmError extends Error {
  constructor(
    readonly kind: "bad_request" | "context_overflow" | "auth" | "not_found",
    message: string,
  ) {
    super(message);
    this.name = "PermanentLlmError";
  }
}
