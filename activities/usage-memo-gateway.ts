import {
  addUsage,
  type Completion,
  type CompletionRequest,
  type LlmGateway,
  type TokenUsage,
} from "../llm/llm-gateway";
import { apportion } from "../method/sweep-spend";
import type { KeyedStore } from "../store/content-store";

/** What a completion cost when it was paid for, kept by its response-cache key. */
interface PaidChoice {
  usage: TokenUsage;
  requests: number;
}

export interface MemoizedCompletion extends Completion {
  /** What the call would have cost without the response cache: paid now plus the cached choices' price when paid. */
  standalone: { usage: TokenUsage; requests: number };
}

/**
 * A gateway that remembers what every paid completion cost, so that a completion the response
 * cache answers still reports its price. A sweep needs it for each setting's standalone spend:
 * its settings ask the same selection questions (the same test-generation prompt, the same judged
 * pair), which the cache answers for free after the first setting.
 */
export class UsageMemoGateway implements LlmGateway {
  constructor(
    private readonly inner: LlmGateway,
    private readonly memo: KeyedStore,
  ) {}

  async complete(request: CompletionRequest): Promise<MemoizedCompletion> {
    const completion = await this.inner.complete(request);
    const key = (i: number) => `usage:${request.choices[i]?.cacheKey}`;
    const paid = completion.choices.flatMap((c, i) => (c.fromCache ? [] : [i]));
    const cached = completion.choices.flatMap((c, i) => (c.fromCache ? [i] : []));
    // Usage comes per request, not per choice: paid choices share it evenly (selection asks one per call).
    const even = paid.map(() => 1);
    const [prompt, done, reasoning, cachedPrompt, requests] = [
      apportion(completion.usage.prompt, even),
      apportion(completion.usage.completion, even),
      apportion(completion.usage.reasoning, even),
      apportion(completion.usage.cachedPrompt, even),
      apportion(completion.requests, even),
    ];
    await Promise.all(
      paid.map((choice, k) =>
        this.memo.putIfAbsent<PaidChoice>(key(choice), {
          usage: {
            prompt: prompt[k] ?? 0,
            completion: done[k] ?? 0,
            reasoning: reasoning[k] ?? 0,
            cachedPrompt: cachedPrompt[k] ?? 0,
          },
          requests: requests[k] ?? 0,
        }),
      ),
    );
    let standalone = { usage: completion.usage, requests: completion.requests };
    for (const choice of cached) {
      const before = await this.memo.get<PaidChoice>(key(choice));
      if (before)
        standalone = {
          usage: addUsage(standalone.usage, before.usage),
          requests: standalone.requests + before.requests,
        };
    }
    return { ...completion, standalone };
  }
}

/** A memo for one worker process, when no durable one is configured. */
export class InMemoryKeyedStore implements KeyedStore {
  private readonly values = new Map<string, unknown>();

  async get<T>(key: string): Promise<T | undefined> {
    return this.values.get(key) as T | undefined;
  }

  async putIfAbsent<T>(key: string, value: T): Promise<T> {
    if (!this.values.has(key)) this.values.set(key, value);
    return this.values.get(key) as T;
  }
}
