/**
 * The seam between the simulated endpoint's protocol half (HTTP, tokens, timing, faults) and its
 * behaviour half (what a code model would answer to an S* prompt).
 */

export interface ChatMessage {
  role: "system" | "user" | "assistant" | "developer" | "tool";
  content: string;
}

/** A request as the behaviour model sees it, whatever endpoint it came through. */
export interface SimulatedRequest {
  requestId: string;
  endpoint: "chat" | "completions";
  model: string;
  /** Chat messages; a /v1/completions prompt arrives as one user message. */
  messages: ChatMessage[];
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  seed?: number;
}

/** One answer, before the protocol half applies max_tokens, stop sequences and faults. */
export interface SimulatedAnswer {
  /** The whole completion text, including any <think>…</think> block. */
  text: string;
  /** The part of `text` that is reasoning (counted as reasoning tokens). */
  reasoning?: string;
  /** What the behaviour model took the request to be (generate, refine, test_inputs, …). */
  role: string;
  /** The problem it recognised, if any. */
  problemId?: string;
  /** A short label of what it chose to do (correct, wrong, malformed, …), for the request log. */
  outcome: string;
  /**
   * The model stopped after this many tokens of `text`, as if its token limit had been reached
   * there: the completion is cut and finishes with "length" (the request's own limit may cut earlier).
   */
  cutAfterTokens?: number;
  /** What the behaviour profile did to the answer (snake_case_name, no_fence, …), for the request log. */
  disguise?: string[];
}

export interface Responder {
  /**
   * Waits until the responder can answer this request (e.g. its problem's checked programs are
   * ready); the server awaits it before drafting any choice. Absent: always ready.
   */
  prepare?(request: SimulatedRequest): Promise<void>;
  /** The answer for choice `choiceIndex` (0 ≤ choiceIndex < n); deterministic for a given request and seed. */
  respond(request: SimulatedRequest, choiceIndex: number): SimulatedAnswer;
}
