/**
 * Faults of the simulated endpoint: which request gets which fault, drawn from the seed so that a
 * run is reproducible, and the text transformations of the output faults.
 *
 * Draws are a hash of (seed, what is drawn, the request key, …), not a shared random stream, so they
 * do not depend on the order in which concurrent requests arrive. The server's request key is the
 * request's content plus how many identical requests came before it, so a retry draws afresh.
 */
import { createHash } from "node:crypto";
import type { FaultsConfig } from "./sim-config.js";

/** Faults that replace the whole response (no choice is generated). */
export type RequestFaultKind = "rate_limit" | "server_error" | "unavailable" | "connection_reset" | "hang";
/** Faults that alter one choice's text. */
export type OutputFaultKind = "truncate" | "malformed_code";
export type FaultKind = RequestFaultKind | OutputFaultKind;

export const REQUEST_FAULT_KINDS: readonly RequestFaultKind[] = [
  "rate_limit",
  "server_error",
  "unavailable",
  "connection_reset",
  "hang",
];
export const FAULT_KINDS: readonly FaultKind[] = [...REQUEST_FAULT_KINDS, "truncate", "malformed_code"];

/** A uniform draw in [0, 1) fixed by the seed and the parts. */
export function seededUniform(seed: number, ...parts: readonly (string | number)[]): number {
  const hash = createHash("sha256").update(`${seed}`);
  for (const part of parts) hash.update(`\u0000${part}`);
  // 52 bits of the digest: every double in [0, 1) with that resolution.
  const digest = hash.digest();
  const high = digest.readUInt32BE(0) >>> 12; // 20 bits
  const low = digest.readUInt32BE(4); // 32 bits
  return (high * 2 ** 32 + low) / 2 ** 52;
}

export interface OutputFaults {
  /** Keep this fraction of the completion's tokens and finish with "length"; null: no truncation. */
  truncateKeepFraction: number | null;
  /** Break the answer's code fences; null: leave them. */
  malformedCodeDraw: number | null;
}

export class FaultPlan {
  constructor(
    private readonly config: FaultsConfig,
    private readonly seed: number,
  ) {}

  /** The request-level fault of the request with this key, if any (one draw, the rates stacked). */
  requestFault(requestKey: string): RequestFaultKind | null {
    const u = seededUniform(this.seed, "request-fault", requestKey);
    const rates: [RequestFaultKind, number][] = [
      ["rate_limit", this.config.rateLimit.rate],
      ["server_error", this.config.serverError.rate],
      ["unavailable", this.config.unavailable.rate],
      ["connection_reset", this.config.connectionReset.rate],
      ["hang", this.config.hang.rate],
    ];
    let upTo = 0;
    for (const [kind, rate] of rates) {
      upTo += rate;
      if (u < upTo) return kind;
    }
    return null;
  }

  /** The output faults of one choice (independent draws per kind and per choice). */
  outputFaults(requestKey: string, choiceIndex: number): OutputFaults {
    const { truncate, malformedCode } = this.config;
    let truncateKeepFraction: number | null = null;
    if (seededUniform(this.seed, "truncate", requestKey, choiceIndex) < truncate.rate) {
      const u = seededUniform(this.seed, "truncate-keep", requestKey, choiceIndex);
      truncateKeepFraction =
        truncate.minKeepFraction + u * (truncate.maxKeepFraction - truncate.minKeepFraction);
    }
    let malformedCodeDraw: number | null = null;
    if (seededUniform(this.seed, "malformed-code", requestKey, choiceIndex) < malformedCode.rate) {
      malformedCodeDraw = seededUniform(this.seed, "malformed-code-how", requestKey, choiceIndex);
    }
    return { truncateKeepFraction, malformedCodeDraw };
  }
}

const FENCE = /^[ \t]*```/gm;

/**
 * Breaks the fences of the last ``` code block of `text`, in one of three ways chosen by `draw`
 * (in [0, 1)): the closing fence dropped (an unterminated block), the opening fence line dropped,
 * or the opening fence reduced to two backticks. Returns null when `text` has no fence.
 */
export function breakCodeFences(text: string, draw: number): string | null {
  const starts = [...text.matchAll(FENCE)].map((match) => match.index ?? 0);
  if (starts.length === 0) return null;
  const lineEnd = (start: number): number => {
    const newline = text.indexOf("\n", start);
    return newline === -1 ? text.length : newline + 1;
  };
  const closing = starts.length >= 2 && starts.length % 2 === 0 ? starts[starts.length - 1] : undefined;
  const opening = closing === undefined ? starts[starts.length - 1] : starts[starts.length - 2];
  if (opening === undefined) return null;
  const way = Math.floor(draw * 3);
  if (way === 0 && closing !== undefined) {
    return text.slice(0, closing) + text.slice(lineEnd(closing));
  }
  if (way === 1) {
    return text.slice(0, opening) + text.slice(lineEnd(opening));
  }
  const tick = text.indexOf("```", opening);
  return `${text.slice(0, tick)}\`\`${text.slice(tick + 3)}`;
}
