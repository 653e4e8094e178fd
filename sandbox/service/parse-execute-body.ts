import type { ExecutionRequest } from "../types";
import { InvalidRequestError } from "../types";
import { validateRequest } from "../validate-request";

/** The two shapes of POST /v1/execute: one program × many tests, or a batch of those. */
export type ExecuteBody =
  | { shape: "single"; requests: [ExecutionRequest] }
  | { shape: "batch"; requests: ExecutionRequest[] };

/** Turns the request body's text into validated execution requests; errors name the field. */
export function parseExecuteBody(text: string): ExecuteBody {
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
