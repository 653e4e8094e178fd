/**
 * Token counts of the simulated endpoint, by gpt-tokenizer's o200k_base encoding (pure JS). A real
 * code model has its own vocabulary; o200k_base is a maintained, reproducible stand-in whose counts
 * are of the same order for code and English.
 */
import { decodeGenerator, encode } from "gpt-tokenizer";
import type { ChatMessage } from "./responder.js";

export const TOKENIZER_ENCODING = "o200k_base";

/** Special-token strings such as `<|endoftext|>` in model text are counted as ordinary text. */
const ENCODE_OPTIONS = { disallowedSpecial: new Set<string>() };

export function encodeText(text: string): number[] {
  return text === "" ? [] : encode(text, ENCODE_OPTIONS);
}

export function countTokens(text: string): number {
  return encodeText(text).length;
}

/**
 * The text of `text` token by token: `pieces.length` is the token count and `pieces.join("")` is
 * `text`. A character split over several tokens (UTF-8 bytes) is given whole to the token that
 * completes it, so some pieces may be empty.
 */
export function tokenPieces(text: string): string[] {
  const tokens = encodeText(text);
  const pieces: string[] = new Array<string>(tokens.length).fill("");
  let consumed = 0;
  function* counted(): Generator<number> {
    for (const token of tokens) {
      consumed += 1;
      yield token;
    }
  }
  for (const piece of decodeGenerator(counted())) {
    const index = Math.max(consumed - 1, 0);
    pieces[index] = (pieces[index] ?? "") + piece;
  }
  return pieces;
}

export interface PromptOverhead {
  /** Tokens per message for the chat template's role markers. */
  perMessageOverhead: number;
  /** Tokens once per chat for the assistant turn the template opens. */
  perChatOverhead: number;
}

/**
 * Prompt tokens of a chat request: each message's content tokenized on its own, plus
 * `perMessageOverhead` per message, plus `perChatOverhead` once.
 */
export function countChatPromptTokens(messages: readonly ChatMessage[], overhead: PromptOverhead): number {
  let total = overhead.perChatOverhead;
  for (const message of messages) total += countTokens(message.content) + overhead.perMessageOverhead;
  return total;
}

/** Prompt tokens of a /v1/completions request: the prompt string alone, no template. */
export function countCompletionPromptTokens(prompt: string): number {
  return countTokens(prompt);
}
