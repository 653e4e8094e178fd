import type { IncomingMessage, ServerResponse } from "node:http";

/** The OpenAI-style error body, so clients that already parse those need nothing new. */
export interface ErrorBody {
  error: { message: string; type: string; param?: string };
}

export class BodyTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`request body exceeds ${limitBytes} bytes`);
    this.name = "BodyTooLargeError";
  }
}

export class ClientGoneError extends Error {
  constructor() {
    super("the client went away before sending the whole body");
    this.name = "ClientGoneError";
  }
}

/**
 * Reads the whole body, refusing (before reading it, when Content-Length says so) anything
 * over `limitBytes`. On refusal the rest of the upload is left unread: Node discards it once the
 * response is sent, so it never accumulates in memory.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limitBytes)
    return Promise.reject(new BodyTooLargeError(limitBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limitBytes) {
        cleanup();
        chunks.length = 0;
        reject(new BodyTooLargeError(limitBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      // Raw bytes: parseExecuteBody refuses a body that is not UTF-8 instead of altering the program.
      resolve(Buffer.concat(chunks));
    };
    const onGone = () => {
      cleanup();
      reject(new ClientGoneError());
    };
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onGone);
      req.off("close", onGone);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onGone);
    req.on("close", onGone);
  });
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** The error type each error response carried, for the errors-by-kind metric. */
const sentErrorTypes = new WeakMap<ServerResponse, string>();

/** The `error.type` this response was answered with, if it was an error. */
export function sentErrorType(res: ServerResponse): string | undefined {
  return sentErrorTypes.get(res);
}

export function sendError(
  res: ServerResponse,
  status: number,
  error: ErrorBody["error"],
  headers: Record<string, string> = {},
): void {
  sentErrorTypes.set(res, error.type);
  sendJson(res, status, { error } satisfies ErrorBody, headers);
}
