import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Registry } from "prom-client";
import {
  type ExecutionRequest,
  type ExecutionResult,
  ExecutorUnavailableError,
  InvalidRequestError,
  type ProgramExecutor,
} from "../types";
import { ExecutionQueue } from "./execution-queue";
import {
  BodyTooLargeError,
  ClientGoneError,
  readBody,
  sendError,
  sendJson,
  sentErrorType,
} from "./http-json";
import { parseExecuteBody } from "./parse-execute-body";
import { estimateRetryAfterSeconds } from "./retry-after";
import { createSandboxMetrics } from "./sandbox-metrics";

export interface SandboxServerOptions {
  /** Belongs to the caller: the server never closes it. */
  executor: ProgramExecutor;
  /** Jobs (one per program) that may wait behind the running ones; beyond that, 429. */
  maxQueue: number;
  /** Jobs that run at once; match the executor's own parallelism so the queue is this one. */
  maxConcurrent: number;
  maxBodyBytes: number;
  /** When set, POST /v1/execute needs `Authorization: Bearer <token>`; probes and /metrics stay open. */
  token?: string;
  /** Where the metrics go; a fresh registry by default (never the global one). */
  registry?: Registry;
  /** Where unexpected errors are reported; console.error by default. */
  logError?: (error: unknown) => void;
}

export interface SandboxServer {
  readonly registry: Registry;
  listen(port: number, host: string): Promise<{ url: string }>;
  /**
   * Drains: /readyz turns 503 and new executions are refused with 503, admitted ones finish and are
   * answered; then the listener and every connection close. The executor stays open.
   */
  close(): Promise<void>;
}

const EXECUTE_PATH = "/v1/execute";
const ROUTES: Record<string, string> = {
  [EXECUTE_PATH]: "POST",
  "/healthz": "GET",
  "/readyz": "GET",
  "/metrics": "GET",
};
/** Weight of the newest job in the running mean behind Retry-After estimates. */
const JOB_DURATION_SMOOTHING = 0.2;

export function createSandboxServer(options: SandboxServerOptions): SandboxServer {
  const { executor, maxBodyBytes } = options;
  const registry = options.registry ?? new Registry();
  const logError = options.logError ?? ((error: unknown) => console.error("sstar sandbox service:", error));
  const queue = new ExecutionQueue(options.maxConcurrent, options.maxQueue);
  const metrics = createSandboxMetrics(registry, queue);
  const tokenDigest = options.token === undefined ? undefined : sha256(options.token);
  let meanJobSeconds = 1;
  let bodiesBeingRead = 0;
  // POST /v1/execute requests not yet answered: what close() waits for.
  let executeRequestsOpen = 0;
  let draining = false;
  let closing: Promise<void> | undefined;
  let onExecuteRequestsDone: (() => void) | undefined;

  const httpServer = createServer((req, res) => {
    const started = process.hrtime.bigint();
    const route = routeOf(req);
    const isExecute = route === EXECUTE_PATH;
    if (isExecute) executeRequestsOpen++;
    if (draining) res.setHeader("connection", "close");
    res.once("close", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.observeRequest(route, res.statusCode, seconds, sentErrorType(res));
      if (isExecute && --executeRequestsOpen === 0) onExecuteRequestsDone?.();
    });
    handle(req, res, route).catch((error) => {
      if (error instanceof ClientGoneError) return;
      logError(error);
      if (!res.headersSent) sendError(res, 500, { message: "internal error", type: "internal_error" });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse, route: string): Promise<void> {
    const method = ROUTES[route];
    if (!method) return sendError(res, 404, { message: `no such path: ${req.url}`, type: "not_found" });
    if (req.method !== method) {
      return sendError(
        res,
        405,
        { message: `${route} accepts ${method} only, not ${req.method}`, type: "method_not_allowed" },
        { allow: method },
      );
    }
    switch (route) {
      case "/healthz":
        return sendJson(res, 200, { status: "ok" });
      case "/readyz":
        return draining
          ? sendJson(res, 503, { status: "draining" })
          : sendJson(res, 200, { status: "ready", running: queue.running, queued: queue.waiting });
      case "/metrics":
        res.writeHead(200, { "content-type": registry.contentType });
        res.end(await registry.metrics());
        return;
      default:
        return execute(req, res);
    }
  }

  async function execute(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (tokenDigest && !bearerMatches(req.headers.authorization, tokenDigest)) {
      return sendError(
        res,
        401,
        { message: "missing or wrong bearer token", type: "authentication_error" },
        { "www-authenticate": 'Bearer realm="sstar-sandbox"' },
      );
    }
    if (draining) return refuseDraining(res);
    // Refuse before reading the body when even one job would not fit, and bound the bodies read at
    // once, so that memory stays proportional to the queue however many clients push at it.
    if (!queue.canAdmit(1) || bodiesBeingRead >= queue.capacity) return refuseOverloaded(res, 1);
    let text: Buffer;
    bodiesBeingRead++;
    try {
      text = await readBody(req, maxBodyBytes);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      return sendError(
        res,
        413,
        {
          message: `request body exceeds ${maxBodyBytes} bytes`,
          type: "invalid_request_error",
          param: "body",
        },
        { connection: "close" },
      );
    } finally {
      bodiesBeingRead--;
    }
    let body: ReturnType<typeof parseExecuteBody>;
    try {
      body = parseExecuteBody(text);
    } catch (error) {
      if (error instanceof InvalidRequestError) return refuseInvalid(res, error);
      throw error;
    }
    const { requests } = body;
    if (requests.length > queue.capacity) {
      return sendError(res, 413, {
        message: `batch has ${requests.length} items; this service queues at most ${queue.capacity} per request`,
        type: "invalid_request_error",
        param: "batch",
      });
    }
    if (draining) return refuseDraining(res);
    if (!queue.canAdmit(requests.length)) return refuseOverloaded(res, requests.length);

    // A client that hangs up no longer needs its jobs that have not started.
    const abandoned = new AbortController();
    res.once("close", () => abandoned.abort());
    let results: ExecutionResult[];
    try {
      results = await Promise.all(
        requests.map((request) => queue.run(() => runJob(request), abandoned.signal)),
      );
    } catch (error) {
      abandoned.abort();
      if (res.destroyed) return;
      if (error instanceof InvalidRequestError) return refuseInvalid(res, error);
      if (error instanceof ExecutorUnavailableError) {
        return sendError(res, 503, { message: error.message, type: "unavailable" }, { "retry-after": "1" });
      }
      throw error;
    }
    if (res.destroyed) return;
    sendJson(res, 200, body.shape === "single" ? { result: results[0] } : { results });
  }

  async function runJob(request: ExecutionRequest): Promise<ExecutionResult> {
    const started = performance.now();
    const result = await executor.execute(request);
    const seconds = (performance.now() - started) / 1000;
    meanJobSeconds += JOB_DURATION_SMOOTHING * (seconds - meanJobSeconds);
    metrics.recordResult(result);
    return result;
  }

  function refuseOverloaded(res: ServerResponse, jobsRequested: number): void {
    const seconds = estimateRetryAfterSeconds({
      jobsAhead: queue.waiting,
      jobsRequested,
      maxConcurrent: queue.maxConcurrent,
      meanJobSeconds,
    });
    sendError(
      res,
      429,
      {
        message: `overloaded: ${queue.running} running and ${queue.waiting} queued (at most ${queue.maxQueue}); retry in ${seconds} s`,
        type: "overloaded",
      },
      { "retry-after": String(seconds) },
    );
  }

  function refuseDraining(res: ServerResponse): void {
    sendError(
      res,
      503,
      { message: "the service is shutting down", type: "unavailable" },
      { "retry-after": "1" },
    );
  }

  return {
    registry,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(port, host, () => {
          httpServer.off("error", reject);
          resolve({ url: baseUrl(httpServer.address() as AddressInfo) });
        });
      });
    },
    close() {
      // Probes and refusals are still answered while admitted work finishes, so that Kubernetes
      // sees /readyz fail and clients get a 503 to retry elsewhere rather than a refused connection.
      closing ??= (async () => {
        draining = true;
        if (executeRequestsOpen > 0) await new Promise<void>((resolve) => (onExecuteRequestsDone = resolve));
        const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        httpServer.closeAllConnections();
        await stopped;
      })();
      return closing;
    },
  };
}

function refuseInvalid(res: ServerResponse, error: InvalidRequestError): void {
  sendError(res, 400, { message: error.message, type: "invalid_request_error", param: error.field });
}

/** The known path of the request, or "other"; no URL parsing, so that no request line can throw here. */
function routeOf(req: IncomingMessage): string {
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  return Object.hasOwn(ROUTES, path) ? path : "other";
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** Compares digests so the comparison takes the same time whatever the guess. */
function bearerMatches(header: string | undefined, tokenDigest: Buffer): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? "");
  return match?.[1] !== undefined && timingSafeEqual(sha256(match[1].trim()), tokenDigest);
}

function baseUrl(address: AddressInfo): string {
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
