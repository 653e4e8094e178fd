import type { ExecutionRequest } from "../types";
import { InvalidRequestError } from "../types";
import { validateRequest } from "../validate-request";

/** The two shapes of POST /v1/execute: one program × many tests, or a batch of those. */
export type ExecuteBody =
  | { shape: "single"; requests: [ExecutionRequest] }
  | { shape: "batch"; requests: ExecutionRequest[] };

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

/** Turns the request body into validated execution requests; errors name the field. */
export function parseExecuteBody(body: string | Uint8Array): ExecuteBody {
  let text: string;
  try {
    text = typeof body === "string" ? body : STRICT_UTF8.decode(body);
  } catch {
    throw new InvalidRequestError("body", "is not valid UTF-8 (a program must be sent as UTF-8 text)");
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InvalidRequestError("body", `is not valid JSON (${(error as Error).message})`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new InvalidRequestError(
      "body",
      'must be a JSON object: an execution request or { "batch": [...] }',
    );
  }
  if (!("batch" in raw)) return { shape: "single", requests: [validateRequest(raw, "request")] };
  const { batch, ...rest } = raw as { batch: unknown };
  const stray = Object.keys(rest)[0];
  if (stray !== undefined)
    throw new InvalidRequestError(stray, "is not allowed next to batch (put it in each item)");
  if (!Array.isArray(batch)) throw new InvalidRequestError("batch", "must be an array of execution requests");
  return { shape: "batch", requests: batch.map((item, i) => validateRequest(item, `batch[${i}]`)) };
}
