/**
 * The simulated endpoint's protocol half: an OpenAI-compatible HTTP server (node:http) in front of
 * any Responder. It parses and validates requests, asks the Responder once per choice, applies
 * faults, stop sequences and max_tokens, counts tokens, paces the answer with the timing model,
 * answers in OpenAI's JSON or SSE shape, and keeps metrics and the request log. It prints nothing.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Registry } from "prom-client";
import { breakCodeFences, FaultPlan, type OutputFaults, type RequestFaultKind } from "./faults.js";
import { RequestLog, type RequestLogEntry } from "./request-log.js";
import type { ChatMessage, Responder, SimulatedAnswer, SimulatedRequest } from "./responder.js";
import { parseSimConfig, type SimConfig, type SimConfigInput } from "./sim-config.js";
import { SimMetrics, type SimStats } from "./sim-metrics.js";
import { createTimingModel, type TimingModel } from "./timing-model.js";
import {
  countChatPromptTokens,
  countCompletionPromptTokens,
  countTokens,
  tokenPieces,
} from "./token-counter.js";

export interface SimulatorServerOptions {
  /** The behaviour half: called once per choice. */
  responder: Responder;
  /** Any subset of the configuration (validated here; defaults fill the rest). */
  config?: SimConfigInput;
  /** Path of the JSONL request log, appended to; no log when absent. */
  log?: string;
}

export interface ListeningAddress {
  /** Base URL for OpenAI clients, ending in /v1 (e.g. http://127.0.0.1:8000/v1). */
  url: string;
  host: string;
  port: number;
}

export interface SimulatorServer {
  /** The validated configuration in force. */
  readonly config: SimConfig;
  /** The Prometheus registry served at /metrics. */
  readonly registry: Registry;
  /** Starts listening; port and host default to the configuration's. */
  listen(port?: number, host?: string): Promise<ListeningAddress>;
  /** Stops listening, drops every connection (hanging ones included) and closes the request log. */
  close(): Promise<void>;
  /** The served totals, as GET /sim/stats answers them. */
  stats(): SimStats;
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;
const CHAT_ROLES = new Set<ChatMessage["role"]>(["system", "user", "assistant", "developer", "tool"]);

type Endpoint = "chat" | "completions";

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function badRequest(message: string, param: string | null = null, code: string | null = null): HttpError {
  return new HttpError(400, message, "invalid_request_error", param, code);
}

interface ParsedRequest {
  endpoint: Endpoint;
  model: string;
  messages: ChatMessage[];
  n: number;
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  seed?: number;
  stop: string[];
  stream: boolean;
  includeUsage: boolean;
  promptTokens: number;
}

interface ShapedChoice {
  answer: SimulatedAnswer;
  /** The text sent. */
  text: string;
  /** Per generated token, how many characters of `text` exist once it is generated. */
  charsAfter: number[];
  completionTokens: number;
  reasoningTokens: number;
  finishReason: "stop" | "length";
  fault: string | null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function optionalNumber(
  body: Record<string, unknown>,
  key: string,
  check: (value: number) => boolean,
  rule: string,
): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || !check(value)) {
    throw badRequest(`'${key}' must be ${rule}; got ${JSON.stringify(value)}.`, key);
  }
  return value;
}

function messageContent(value: unknown, param: string): string {
  if (typeof value === "string") return value;
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) {
    return value
      .map((part, index) => {
        if (isObject(part) && part.type === "text" && typeof part.text === "string") return part.text;
        throw badRequest(
          `'${param}[${index}]' must be a text part ({ type: "text", text }).`,
          `${param}[${index}]`,
        );
      })
      .join("");
  }
  throw badRequest(`'${param}' must be a string or an array of text parts.`, param);
}

/** JSON with sorted keys: identical requests get the same key whatever their field order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (isObject(value)) {
    const keys = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function createSimulatorServer(options: SimulatorServerOptions): SimulatorServer {
  const config = parseSimConfig(options.config ?? {});
  const { responder } = options;
  const timing: TimingModel = createTimingModel(config.latency, config.timing);
  const metrics = new SimMetrics(config.models[0] as string, () => timing.stats());
  const faults = new FaultPlan(config.faults, config.seed);
  const requestLog = options.log ? new RequestLog(options.log) : undefined;
  const occurrences = new Map<string, number>();
  const hangs = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  const served = new Set(config.models);

  const createdNow = (): number => config.fixedCreated ?? Math.floor(Date.now() / 1000);

  function sendJson(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(text)),
      ...headers,
    });
    res.end(text);
  }

  function sendError(res: ServerResponse, path: string, error: HttpError): void {
    const body = {
      error: { message: error.message, type: error.type, param: error.param, code: error.code },
    };
    sendJson(res, error.status, body, error.headers);
    metrics.responded(path, error.status);
  }

  function readBody(req: IncomingMessage): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          reject(
            new HttpError(413, `Request body larger than ${MAX_BODY_BYTES} bytes.`, "invalid_request_error"),
          );
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      req.on("end", () => resolve(Buffer.concat(chunks)));
      req.on("error", reject);
    });
  }

  function parseRequest(endpoint: Endpoint, body: unknown): ParsedRequest {
    if (!isObject(body)) throw badRequest("The request body must be a JSON object.");
    let model: string;
    if (body.model === undefined || body.model === null) {
      model = config.models[0] as string;
    } else if (typeof body.model !== "string") {
      throw badRequest("'model' must be a string.", "model");
    } else {
      model = body.model;
    }
    if (!served.has(model)) {
      throw new HttpError(
        404,
        `The model \`${model}\` does not exist or you do not have access to it.`,
        "invalid_request_error",
        "model",
        "model_not_found",
      );
    }
    let messages: ChatMessage[];
    let promptTokens: number;
    if (endpoint === "chat") {
      if (!Array.isArray(body.messages) || body.messages.length === 0) {
        throw badRequest("'messages' is a required property and must be a non-empty array.", "messages");
      }
      messages = body.messages.map((message, index) => {
        const param = `messages[${index}]`;
        if (!isObject(message)) throw badRequest(`'${param}' must be an object.`, param);
        if (typeof message.role !== "string" || !CHAT_ROLES.has(message.role as ChatMessage["role"])) {
          throw badRequest(
            `'${param}.role' must be one of ${[...CHAT_ROLES].join(", ")}; got ${JSON.stringify(message.role)}.`,
            `${param}.role`,
          );
        }
        return {
          role: message.role as ChatMessage["role"],
          content: messageContent(message.content, `${param}.content`),
        };
      });
      promptTokens = countChatPromptTokens(messages, config.tokens);
    } else {
      let prompt: unknown = body.prompt;
      if (Array.isArray(prompt) && prompt.length === 1) prompt = prompt[0];
      if (typeof prompt !== "string") {
        throw badRequest(
          "'prompt' is a required property and must be a string (or an array of one string).",
          "prompt",
        );
      }
      messages = [{ role: "user", content: prompt }];
      promptTokens = countCompletionPromptTokens(prompt);
    }
    const n =
      optionalNumber(
        body,
        "n",
        (v) => Number.isInteger(v) && v >= 1 && v <= config.maxN,
        `an integer from 1 to ${config.maxN}`,
      ) ?? 1;
    const temperature = optionalNumber(body, "temperature", (v) => v >= 0 && v <= 2, "a number from 0 to 2");
    const topP = optionalNumber(body, "top_p", (v) => v > 0 && v <= 1, "a number in (0, 1]");
    const seed = optionalNumber(body, "seed", Number.isInteger, "an integer");
    const isCount = (v: number): boolean => Number.isInteger(v) && v >= 1;
    const maxTokens =
      optionalNumber(body, "max_completion_tokens", isCount, "a positive integer") ??
      optionalNumber(body, "max_tokens", isCount, "a positive integer");
    let stop: string[] = [];
    if (typeof body.stop === "string") stop = [body.stop];
    else if (Array.isArray(body.stop) && body.stop.every((s) => typeof s === "string"))
      stop = body.stop as string[];
    else if (body.stop !== undefined && body.stop !== null) {
      throw badRequest("'stop' must be a string or an array of strings.", "stop");
    }
    stop = stop.filter((s) => s !== "");
    if (body.stream !== undefined && body.stream !== null && typeof body.stream !== "boolean") {
      throw badRequest("'stream' must be a boolean.", "stream");
    }
    const stream = body.stream === true;
    const includeUsage =
      stream && isObject(body.stream_options) && body.stream_options.include_usage === true;
    const promptParam = endpoint === "chat" ? "messages" : "prompt";
    if (promptTokens >= config.maxModelLen) {
      throw badRequest(
        `This model's maximum context length is ${config.maxModelLen} tokens. However, your request has ${promptTokens} input tokens. Please reduce the length of the input.`,
        promptParam,
        "context_length_exceeded",
      );
    }
    if (maxTokens !== undefined && promptTokens + maxTokens > config.maxModelLen) {
      throw badRequest(
        `This model's maximum context length is ${config.maxModelLen} tokens. However, you requested ${promptTokens + maxTokens} tokens (${promptTokens} in the ${promptParam}, ${maxTokens} in the completion). Please reduce the length of the ${promptParam} or completion.`,
        promptParam,
        "context_length_exceeded",
      );
    }
    return {
      endpoint,
      model,
      messages,
      n,
      temperature,
      topP,
      maxTokens,
      seed,
      stop,
      stream,
      includeUsage,
      promptTokens,
    };
  }

  /** Applies output faults, stop sequences and the token limit to one answer. */
  function shapeChoice(
    answer: SimulatedAnswer,
    parsed: ParsedRequest,
    outputFaults: OutputFaults,
  ): ShapedChoice {
    let text = answer.text;
    const applied: string[] = [];
    if (outputFaults.malformedCodeDraw !== null) {
      const broken = breakCodeFences(text, outputFaults.malformedCodeDraw);
      if (broken !== null) {
        text = broken;
        applied.push("malformed_code");
      }
    }
    const pieces = tokenPieces(text);
    const ends: number[] = [];
    let chars = 0;
    for (const piece of pieces) {
      chars += piece.length;
      ends.push(chars);
    }
    const total = pieces.length;
    const limit = Math.min(
      parsed.maxTokens ?? Number.POSITIVE_INFINITY,
      config.maxModelLen - parsed.promptTokens,
    );
    // A truncation fault ends the completion early, as if the token limit had been reached there.
    let kept = Number.POSITIVE_INFINITY;
    if (outputFaults.truncateKeepFraction !== null && total >= 1) {
      kept = Math.min(total - 1, Math.floor(total * outputFaults.truncateKeepFraction));
    }
    // The stop sequence that is complete first (as generation would meet it), and the token that completes it.
    let stopAt = -1;
    let stopEnd = -1;
    for (const s of parsed.stop) {
      const at = text.indexOf(s);
      const end = at + s.length;
      if (at !== -1 && (stopAt === -1 || end < stopEnd || (end === stopEnd && at < stopAt))) {
        stopAt = at;
        stopEnd = end;
      }
    }
    const stopTokens = stopAt === -1 ? -1 : ends.findIndex((end) => end >= stopEnd) + 1;
    // The behaviour half may have its model stop early, as if its token limit had been reached.
    const stopped =
      answer.cutAfterTokens !== undefined && answer.cutAfterTokens < total
        ? Math.max(0, Math.floor(answer.cutAfterTokens))
        : Number.POSITIVE_INFINITY;
    const cutAt = Math.min(limit, kept, stopped);
    let outText: string;
    let generated: number;
    let finishReason: "stop" | "length";
    if (stopTokens !== -1 && stopTokens <= cutAt) {
      outText = text.slice(0, stopAt);
      generated = stopTokens;
      finishReason = "stop";
    } else if (total > cutAt) {
      generated = cutAt;
      outText = text.slice(0, cutAt === 0 ? 0 : (ends[cutAt - 1] ?? 0));
      finishReason = "length";
      if (kept < limit && kept <= stopped) applied.push("truncate");
    } else {
      outText = text;
      generated = total;
      finishReason = "stop";
    }
    const charsAfter = ends.slice(0, generated).map((end) => Math.min(end, outText.length));
    const reasoningTokens = answer.reasoning ? Math.min(countTokens(answer.reasoning), generated) : 0;
    return {
      answer,
      text: outText,
      charsAfter,
      completionTokens: generated,
      reasoningTokens,
      finishReason,
      fault: applied.length === 0 ? null : applied.join("+"),
    };
  }

  function usageOf(parsed: ParsedRequest, choices: readonly ShapedChoice[]) {
    const completion = choices.reduce((sum, choice) => sum + choice.completionTokens, 0);
    const reasoning = choices.reduce((sum, choice) => sum + choice.reasoningTokens, 0);
    return {
      prompt_tokens: parsed.promptTokens,
      completion_tokens: completion,
      total_tokens: parsed.promptTokens + completion,
      completion_tokens_details: { reasoning_tokens: reasoning },
    };
  }

  async function handleGeneration(
    req: IncomingMessage,
    res: ServerResponse,
    endpoint: Endpoint,
    path: string,
  ) {
    metrics.requestReceived();
    const arrival = performance.now();
    const arrivalWall = Date.now();
    const entry: RequestLogEntry = {
      request_id: "",
      content_hash: "",
      time: new Date(config.fixedCreated !== null ? config.fixedCreated * 1000 : arrivalWall).toISOString(),
      endpoint,
      model: null,
      role: [],
      problem: [],
      outcome: [],
      finish_reason: [],
      disguise: [],
      choice_fault: [],
      prompt_tokens: 0,
      completion_tokens: 0,
      reasoning_tokens: 0,
      n: 0,
      stream: false,
      status: 0,
      fault: null,
      error: null,
    };
    const fail = (error: HttpError): void => {
      sendError(res, path, error);
      entry.status = error.status;
      entry.error = error.message;
      requestLog?.write(entry);
    };

    let parsed: ParsedRequest;
    let requestKey: string;
    try {
      const raw = await readBody(req);
      let body: unknown;
      try {
        body = JSON.parse(raw.toString("utf8"));
      } catch {
        throw badRequest(
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload.)",
        );
      }
      if (isObject(body) && typeof body.model === "string") entry.model = body.model;
      parsed = parseRequest(endpoint, body);
      entry.model = parsed.model;
      entry.n = parsed.n;
      entry.stream = parsed.stream;
      entry.prompt_tokens = parsed.promptTokens;
      const contentHash = createHash("sha256")
        .update(
          canonical([
            endpoint,
            parsed.model,
            parsed.messages,
            parsed.n,
            parsed.temperature,
            parsed.topP,
            parsed.maxTokens,
            parsed.seed,
            parsed.stop,
          ]),
        )
        .digest("hex");
      entry.content_hash = contentHash.slice(0, 32);
      const occurrence = occurrences.get(contentHash) ?? 0;
      occurrences.set(contentHash, occurrence + 1);
      requestKey = `${contentHash}#${occurrence}`;
      const idHash = createHash("sha256").update(`${config.seed}\u0000id\u0000${requestKey}`).digest("hex");
      entry.request_id = `${endpoint === "chat" ? "chatcmpl" : "cmpl"}-${idHash.slice(0, 32)}`;
    } catch (error) {
      if (error instanceof HttpError) fail(error);
      else fail(new HttpError(500, `Internal error: ${(error as Error).message}`, "server_error"));
      return;
    }
    const requestId = entry.request_id;

    const fault: RequestFaultKind | null = faults.requestFault(requestKey);
    if (fault !== null) {
      metrics.fault(fault);
      entry.fault = fault;
      switch (fault) {
        case "rate_limit": {
          const retryAfter = config.faults.rateLimit.retryAfterSeconds;
          fail(
            new HttpError(
              429,
              `Rate limit reached for requests (simulated). Please try again in ${retryAfter}s.`,
              "requests",
              null,
              "rate_limit_exceeded",
              { "retry-after": String(retryAfter), "x-request-id": requestId },
            ),
          );
          return;
        }
        case "server_error":
          fail(
            new HttpError(
              500,
              "The server had an error while processing your request. Sorry about that! (simulated)",
              "server_error",
              null,
              null,
              { "x-request-id": requestId },
            ),
          );
          return;
        case "unavailable": {
          const retryAfter = config.faults.unavailable.retryAfterSeconds;
          const headers: Record<string, string> = { "x-request-id": requestId };
          if (retryAfter !== null) headers["retry-after"] = String(retryAfter);
          fail(
            new HttpError(
              503,
              "The engine is currently overloaded, please try again later. (simulated)",
              "server_error",
              null,
              null,
              headers,
            ),
          );
          return;
        }
        case "connection_reset": {
          requestLog?.write(entry);
          metrics.responded(path, 0);
          const socket = req.socket;
          if (typeof socket.resetAndDestroy === "function") socket.resetAndDestroy();
          else socket.destroy();
          return;
        }
        case "hang": {
          requestLog?.write(entry);
          metrics.responded(path, 0);
          const timer = setTimeout(() => {
            hangs.delete(timer);
            req.socket.destroy();
          }, config.faults.hang.seconds * 1000);
          timer.unref();
          hangs.add(timer);
          req.socket.once("close", () => {
            clearTimeout(timer);
            hangs.delete(timer);
          });
          return;
        }
      }
    }

    const request: SimulatedRequest = {
      requestId,
      endpoint,
      model: parsed.model,
      messages: parsed.messages,
      ...(parsed.temperature !== undefined ? { temperature: parsed.temperature } : {}),
      ...(parsed.topP !== undefined ? { topP: parsed.topP } : {}),
      ...(parsed.maxTokens !== undefined ? { maxTokens: parsed.maxTokens } : {}),
      ...(parsed.seed !== undefined ? { seed: parsed.seed } : {}),
    };
    const choices: ShapedChoice[] = [];
    try {
      await responder.prepare?.(request);
      for (let index = 0; index < parsed.n; index += 1) {
        const answer = responder.respond(request, index);
        choices.push(shapeChoice(answer, parsed, faults.outputFaults(requestKey, index)));
      }
    } catch (error) {
      fail(new HttpError(500, `The responder failed: ${(error as Error).message}`, "server_error"));
      return;
    }
    for (const choice of choices) {
      entry.role.push(choice.answer.role);
      entry.problem.push(choice.answer.problemId ?? null);
      entry.outcome.push(choice.answer.outcome);
      entry.finish_reason.push(choice.finishReason);
      entry.disguise.push(choice.answer.disguise?.length ? choice.answer.disguise.join("+") : null);
      entry.choice_fault.push(choice.fault);
      for (const kind of choice.fault?.split("+") ?? []) metrics.fault(kind as "truncate" | "malformed_code");
    }
    const usage = usageOf(parsed, choices);
    entry.completion_tokens = usage.completion_tokens;
    entry.reasoning_tokens = usage.completion_tokens_details.reasoning_tokens;
    const created = createdNow();
    const object = endpoint === "chat" ? "chat.completion" : "text_completion";

    let write: ((chunk: string) => void) | undefined;
    const sent = choices.map(() => ({ tokens: 0, chars: 0, finished: false }));
    const chunk = (choice: Record<string, unknown>): string => {
      const body: Record<string, unknown> = {
        id: requestId,
        object: endpoint === "chat" ? "chat.completion.chunk" : "text_completion",
        created,
        model: parsed.model,
        choices: [choice],
      };
      if (parsed.includeUsage) body.usage = null;
      return `data: ${JSON.stringify(body)}\n\n`;
    };
    const deltaChunk = (index: number, text: string): string =>
      endpoint === "chat"
        ? chunk({ index, delta: { content: text }, logprobs: null, finish_reason: null })
        : chunk({ index, text, logprobs: null, finish_reason: null });
    const finishChunk = (index: number): string => {
      const reason = (choices[index] as ShapedChoice).finishReason;
      return endpoint === "chat"
        ? chunk({ index, delta: {}, logprobs: null, finish_reason: reason })
        : chunk({ index, text: "", logprobs: null, finish_reason: reason });
    };
    /** Streams choice `index` up to `tokens` generated tokens, one event per token that adds text. */
    const streamTokens = (index: number, tokens: number): void => {
      const state = sent[index];
      const choice = choices[index];
      if (!write || !state || !choice || state.finished) return;
      let out = "";
      for (let t = state.tokens; t < tokens; t += 1) {
        const chars = choice.charsAfter[t] ?? state.chars;
        if (chars > state.chars) {
          out += deltaChunk(index, choice.text.slice(state.chars, chars));
          state.chars = chars;
        }
      }
      state.tokens = Math.max(state.tokens, tokens);
      if (state.tokens >= choice.completionTokens) {
        if (state.chars < choice.text.length) out += deltaChunk(index, choice.text.slice(state.chars));
        state.chars = choice.text.length;
        state.finished = true;
        out += finishChunk(index);
      }
      if (out !== "") write(out);
    };

    if (parsed.stream) {
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        connection: "keep-alive",
        "x-request-id": requestId,
      });
      write = (text) => {
        if (!res.destroyed) res.write(text);
      };
      write(
        choices
          .map((_, index) =>
            endpoint === "chat"
              ? chunk({
                  index,
                  delta: { role: "assistant", content: "" },
                  logprobs: null,
                  finish_reason: null,
                })
              : "",
          )
          .join(""),
      );
    }

    const submittedAt = performance.now();
    const scheduled = timing.submit({
      promptTokens: parsed.promptTokens,
      completionTokens: choices.map((choice) => choice.completionTokens),
      ...(parsed.stream ? { onTokens: streamTokens } : {}),
    });
    const onClose = (): void => {
      if (!res.writableFinished) scheduled.cancel();
    };
    res.on("close", onClose);
    const timed = await scheduled.done;
    // Through the next poll phase (two check phases away): a disconnect that arrived with the
    // request is seen before answering, even with zero latency.
    for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
    res.off("close", onClose);
    // A client that half-closed (a killed process's FIN) leaves the response unwritable without
    // destroying it: vLLM aborts such a request, and so does the simulator.
    if (timed.cancelled || res.destroyed || !res.socket?.writable) {
      metrics.aborted();
      metrics.responded(path, 499);
      entry.status = 499;
      entry.error = "the client closed the connection before the response was complete";
      requestLog?.write(entry);
      if (!res.destroyed) res.destroy();
      return;
    }

    entry.status = 200;
    requestLog?.write(entry);
    const offset = (submittedAt - arrival) / 1000;
    const servedRequest = {
      endpoint,
      promptTokens: usage.prompt_tokens,
      completionTokens: usage.completion_tokens,
      reasoningTokens: usage.completion_tokens_details.reasoning_tokens,
      finishReasons: choices.map((choice) => choice.finishReason),
      roles: choices.map((choice) => choice.answer.role),
      queueSeconds: offset + timed.queueSeconds,
      firstTokenSeconds: timed.firstTokenSeconds === null ? null : offset + timed.firstTokenSeconds,
      e2eSeconds: (performance.now() - arrival) / 1000,
    };
    // Served means delivered: counted once the whole response has been handed to the connection,
    // and as aborted if the connection failed first (a client that died as the answer was written).
    res.once("finish", () => {
      metrics.served(servedRequest);
      metrics.responded(path, 200);
    });
    res.once("close", () => {
      if (res.writableFinished) return;
      metrics.aborted();
      metrics.responded(path, 499);
    });

    if (parsed.stream) {
      choices.forEach((choice, index) => {
        streamTokens(index, choice.completionTokens);
      });
      let tail = "";
      if (parsed.includeUsage) {
        tail += `data: ${JSON.stringify({ id: requestId, object: endpoint === "chat" ? "chat.completion.chunk" : "text_completion", created, model: parsed.model, choices: [], usage })}\n\n`;
      }
      tail += "data: [DONE]\n\n";
      res.end(tail);
      return;
    }
    const body = {
      id: requestId,
      object,
      created,
      model: parsed.model,
      choices: choices.map((choice, index) =>
        endpoint === "chat"
          ? {
              index,
              message: { role: "assistant", content: choice.text },
              logprobs: null,
              finish_reason: choice.finishReason,
            }
          : { index, text: choice.text, logprobs: null, finish_reason: choice.finishReason },
      ),
      usage,
    };
    sendJson(res, 200, body, { "x-request-id": requestId });
  }

  function modelObject(id: string) {
    return {
      id,
      object: "model",
      created: config.fixedCreated ?? 0,
      owned_by: "sstar",
      root: id,
      parent: null,
      max_model_len: config.maxModelLen,
    };
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const path = new URL(req.url ?? "/", "http://simulator").pathname;
    const only = (allowed: string): boolean => {
      if (method === allowed) return true;
      req.resume();
      sendError(
        res,
        path,
        new HttpError(
          405,
          `Invalid method for URL (${method} ${path}).`,
          "invalid_request_error",
          null,
          "method_not_allowed",
          {
            allow: allowed,
          },
        ),
      );
      return false;
    };
    if (path === "/v1/chat/completions" || path === "/v1/completions") {
      if (only("POST"))
        await handleGeneration(req, res, path === "/v1/chat/completions" ? "chat" : "completions", path);
      return;
    }
    if (path === "/health") {
      if (only("GET")) {
        res.writeHead(200, { "content-length": "0" });
        res.end();
        metrics.responded(path, 200);
      }
      return;
    }
    if (path === "/v1/models") {
      if (only("GET")) {
        sendJson(res, 200, { object: "list", data: config.models.map(modelObject) });
        metrics.responded(path, 200);
      }
      return;
    }
    if (path.startsWith("/v1/models/")) {
      if (only("GET")) {
        const id = decodeURIComponent(path.slice("/v1/models/".length));
        if (served.has(id)) {
          sendJson(res, 200, modelObject(id));
          metrics.responded(path, 200);
        } else {
          sendError(
            res,
            path,
            new HttpError(
              404,
              `The model \`${id}\` does not exist.`,
              "invalid_request_error",
              "model",
              "model_not_found",
            ),
          );
        }
      }
      return;
    }
    if (path === "/metrics") {
      if (only("GET")) {
        const text = await metrics.registry.metrics();
        res.writeHead(200, { "content-type": metrics.registry.contentType });
        res.end(text);
      }
      return;
    }
    if (path === "/sim/stats") {
      if (only("GET")) sendJson(res, 200, metrics.stats());
      return;
    }
    req.resume();
    sendError(res, path, new HttpError(404, `Invalid URL (${method} ${path})`, "invalid_request_error"));
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendError(res, "?", new HttpError(500, `Internal error: ${(error as Error).message}`, "server_error"));
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });

  return {
    config,
    registry: metrics.registry,
    listen(port = config.port, host = config.host) {
      return new Promise<ListeningAddress>((resolve, reject) => {
        const onError = (error: Error): void => reject(error);
        server.once("error", onError);
        server.listen(port, host, () => {
          server.off("error", onError);
          const address = server.address() as AddressInfo;
          const shown = address.family === "IPv6" || host.includes(":") ? `[${host}]` : host;
          resolve({ url: `http://${shown}:${address.port}/v1`, host, port: address.port });
        });
      });
    },
    close() {
      return new Promise<void>((resolve) => {
        for (const timer of hangs) clearTimeout(timer);
        hangs.clear();
        timing.close();
        for (const socket of sockets) socket.destroy();
        server.close(() => {
          requestLog?.close();
          resolve();
        });
        server.closeAllConnections();
      });
    },
    stats: () => metrics.stats(),
  };
}
