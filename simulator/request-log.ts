/**
 * The simulated endpoint's request log: one JSON line per request to /v1/chat/completions or
 * /v1/completions, written synchronously (the line is in the file before the response is sent, or,
 * for a request that failed or was left hanging, as soon as that was decided).
 */
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";

/**
 * One request. Per-choice fields are arrays indexed by choice (length n when the Responder was asked,
 * empty when the request ended before that: a bad request or a request-level fault).
 */
export interface RequestLogEntry {
  request_id: string;
  /** Hash of the request's content (model, messages, sampling, seed): equal for a repeated request. */
  content_hash: string;
  /** ISO time the request arrived (from `fixedCreated` when set). */
  time: string;
  endpoint: "chat" | "completions";
  /** The model named in the request (null when the body could not be read). */
  model: string | null;
  /** The role the Responder took each choice to be (generate, refine, …). */
  role: string[];
  /** The problem it recognised for each choice (null: none). */
  problem: (string | null)[];
  /** What it chose to do for each choice (correct, wrong, …). */
  outcome: string[];
  /** finish_reason of each choice ("stop" or "length"). */
  finish_reason: string[];
  /** Disguises of the behaviour profile in each choice ("snake_case_name+prose_after", …), or null. */
  disguise: (string | null)[];
  /** Output fault applied to each choice ("truncate", "malformed_code", both joined by "+", or null). */
  choice_fault: (string | null)[];
  /** usage of the response: prompt once, completion and reasoning summed over choices (0 when none). */
  prompt_tokens: number;
  completion_tokens: number;
  reasoning_tokens: number;
  n: number;
  stream: boolean;
  /** HTTP status sent; 0 when none was (connection reset, hang). */
  status: number;
  /** The request-level fault (rate_limit, server_error, unavailable, connection_reset, hang) or null. */
  fault: string | null;
  /** The error message sent, for a status other than 200. */
  error: string | null;
}

export class RequestLog {
  private fd: number | undefined;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, "a");
  }

  write(entry: RequestLogEntry): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, `${JSON.stringify(entry)}\n`);
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}
