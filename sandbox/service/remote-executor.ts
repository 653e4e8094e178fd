import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import {
  type ExecutionRequest,
  type ExecutionResult,
  ExecutorUnavailableError,
  InvalidRequestError,
  type ProgramExecutor,
} from "../types";
import type { ErrorBody } from "./http-json";
import { MAX_RETRY_AFTER_SECONDS, parseRetryAfterMs } from "./retry-after";

export interface RemoteExecutorOptions {
  /** The service's base URL, e.g. `http://sstar-sandbox:8080`. */
  baseUrl: string;
  token?: string;
  /** Further attempts after a 429, a 503 or a failed connection; 5 by default. */
  maxRetries?: number;
  /** The first wait when the service gives no Retry-After; doubles with each attempt. 500 ms by default. */
  initialBackoffMs?: number;
}

interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/**
 * A client of the sandbox service (`sstar sandbox serve`). Executions have no side effects, so 429,
 * 503 and dropped connections are retried, waiting as Retry-After says, a bounded number of times.
 *
 * It speaks node:http rather than fetch on purpose: fetch gives up on a response whose headers take
 * more than 300 s, and a large batch behind a full queue legitimately takes longer.
 */
export class RemoteExecutor implements ProgramExecutor {
  /** The execute endpoint; every error names it. */
  readonly url: string;
  private readonly agent: HttpAgent;
  private readonly closed = new AbortController();
  private readonly maxRetries: number;
  private readonly initialBackoffMs: number;

  constructor(private readonly options: RemoteExecutorOptions) {
    this.url = new URL(
      "v1/execute",
      options.baseUrl.endsWith("/") ? options.baseUrl : `${options.baseUrl}/`,
    ).href;
    this.agent = this.url.startsWith("https:")
      ? new HttpsAgent({ keepAlive: true })
      : new HttpAgent({ keepAlive: true });
    this.maxRetries = options.maxRetries ?? 5;
    this.initialBackoffMs = options.initialBackoffMs ?? 500;
  }

  async execute(request: ExecutionRequest): Promise<ExecutionResult> {
    const answer = (await this.post(request)) as { result?: ExecutionResult };
    if (typeof answer.result !== "object" || answer.result === null) {
      throw new Error(`POST ${this.url}: the answer has no result object`);
    }
    return answer.result;
  }

  /** Many programs in one request (one queued job each); results in input order. */
  async executeBatch(requests: ExecutionRequest[]): Promise<ExecutionResult[]> {
    const answer = (await this.post({ batch: requests })) as { results?: ExecutionResult[] };
    if (!Array.isArray(answer.results) || answer.results.length !== requests.length) {
      throw new Error(`POST ${this.url}: the answer has no results array of ${requests.length} items`);
    }
    return answer.results;
  }

  /** Abandons requests in progress (they reject with ExecutorUnavailableError) and drops idle connections. */
  async close(): Promise<void> {
    this.closed.abort();
    this.agent.destroy();
  }

  private async post(body: unknown): Promise<unknown> {
    const payload = JSON.stringify(body);
    for (let attempt = 0; ; attempt++) {
      if (this.closed.signal.aborted)
        throw new ExecutorUnavailableError(`POST ${this.url}: the client is closed`);
      let answer: HttpAnswer;
      try {
        answer = await this.send(payload);
      } catch (error) {
        if (this.closed.signal.aborted)
          throw new ExecutorUnavailableError(`POST ${this.url}: the client is closed`);
        if (attempt < this.maxRetries) {
          await this.wait(this.backoffMs(attempt));
          continue;
        }
        throw new ExecutorUnavailableError(
          `POST ${this.url} failed after ${attempt + 1} attempts: ${(error as Error).message}`,
        );
      }
      if (answer.status === 200) return parseJson(answer.text, this.url);
      const { message, param } = errorOf(answer);
      const retryable = answer.status === 429 || answer.status === 503;
      if (retryable && attempt < this.maxRetries) {
        const retryAfterMs = parseRetryAfterMs(headerText(answer.headers["retry-after"]), Date.now());
        await this.wait(Math.min(retryAfterMs ?? this.backoffMs(attempt), MAX_RETRY_AFTER_SECONDS * 1000));
        continue;
      }
      const what = `POST ${this.url} answered ${answer.status}`;
      if (retryable) throw new ExecutorUnavailableError(`${what} after ${attempt + 1} attempts: ${message}`);
      if (answer.status === 400 && param) {
        const reason = message.startsWith(`${param}: `) ? message.slice(param.length + 2) : message;
        throw new InvalidRequestError(param, `${reason} (${what})`);
      }
      throw new Error(`${what}: ${message}`);
    }
  }

  private send(payload: string): Promise<HttpAnswer> {
    const headers: Record<string, string | number> = {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(payload),
      accept: "application/json",
    };
    if (this.options.token !== undefined) headers.authorization = `Bearer ${this.options.token}`;
    const requestFn = this.url.startsWith("https:") ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = requestFn(
        this.url,
        { method: "POST", headers, agent: this.agent, signal: this.closed.signal },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", reject);
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text: Buffer.concat(chunks).toString("utf8"),
            }),
          );
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  }

  private backoffMs(attempt: number): number {
    return Math.min(this.initialBackoffMs * 2 ** attempt, MAX_RETRY_AFTER_SECONDS * 1000);
  }

  private wait(ms: number): Promise<void> {
    const signal = this.closed.signal;
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
      function done() {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      }
    });
  }
}

function parseJson(text: string, url: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`POST ${url}: the answer is not JSON: ${text.slice(0, 200)}`);
  }
}

function errorOf(answer: HttpAnswer): { message: string; param?: string } {
  try {
    const { error } = JSON.parse(answer.text) as Partial<ErrorBody>;
    if (error && typeof error.message === "string") return { message: error.message, param: error.param };
  } catch {
    // not the service's JSON (a proxy's page, say): quote it instead
  }
  return { message: answer.text.slice(0, 200) || "(empty body)" };
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
