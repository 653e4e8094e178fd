import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decode, encode } from "gpt-tokenizer";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RequestLogEntry } from "../simulator/request-log";
import type { Responder, SimulatedAnswer, SimulatedRequest } from "../simulator/responder";
import { createSimulatorServer, type SimulatorServer } from "../simulator/server";
import {
  defaultSimConfig,
  loadSimConfig,
  parseSimConfig,
  SimConfigError,
  type SimConfigInput,
} from "../simulator/sim-config";
import type { SimStats } from "../simulator/sim-metrics";

const REASONING = "<think>Let me think about it step by step: read, compute, print.</think>";

/** Echoes the last user message after a fixed reasoning part, with a python block. */
class EchoResponder implements Responder {
  readonly requests: { request: SimulatedRequest; choiceIndex: number }[] = [];

  static textFor(lastUser: string, choiceIndex: number): string {
    return `${REASONING}\nChoice ${choiceIndex} says: ${lastUser}\n\`\`\`python\nprint(${JSON.stringify(lastUser)})\n\`\`\`\n`;
  }

  respond(request: SimulatedRequest, choiceIndex: number): SimulatedAnswer {
    this.requests.push({ request, choiceIndex });
    const lastUser = [...request.messages].reverse().find((m) => m.role === "user")?.content ?? "";
    return {
      text: EchoResponder.textFor(lastUser, choiceIndex),
      reasoning: REASONING,
      role: lastUser.startsWith("judge") ? "judge" : "generate",
      problemId: "echo-1",
      outcome: choiceIndex % 2 === 0 ? "correct" : "wrong",
    };
  }
}

const tokens = (text: string): number => encode(text, { disallowedSpecial: new Set() }).length;
/** The documented chat prompt count: each content + 4 per message, + 3 per chat. */
const chatPromptTokens = (contents: string[]): number =>
  3 + contents.reduce((sum, c) => sum + tokens(c) + 4, 0);

async function start(config: SimConfigInput, log?: string) {
  const responder = new EchoResponder();
  const server = createSimulatorServer({ responder, config, ...(log ? { log } : {}) });
  const { url } = await server.listen(0, "127.0.0.1");
  const client = new OpenAI({ baseURL: url, apiKey: "x", maxRetries: 0, timeout: 10_000 });
  const root = url.slice(0, -"/v1".length);
  return { server, responder, url, root, client };
}

describe("simulator protocol (zero latency, through the openai client)", () => {
  let server: SimulatorServer;
  let responder: EchoResponder;
  let client: OpenAI;
  let url: string;
  let root: string;
  let logPath: string;
  const messages = [
    { role: "system" as const, content: "You are a careful competitive programmer." },
    { role: "user" as const, content: "Add two numbers from stdin." },
  ];

  beforeAll(async () => {
    logPath = join(mkdtempSync(join(tmpdir(), "sstar-sim-")), "requests.jsonl");
    ({ server, responder, client, url, root } = await start(
      { latency: "zero", models: ["coder", "coder-alias"], fixedCreated: 1_700_000_000 },
      logPath,
    ));
  });
  afterAll(async () => {
    await server.close();
  });

  it("answers a chat completion in OpenAI's shape with tokenizer-exact usage", async () => {
    const completion = await client.chat.completions.create({ model: "coder", messages, temperature: 0.7 });
    const expected = EchoResponder.textFor("Add two numbers from stdin.", 0);
    expect(completion.id).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
    expect(completion.object).toBe("chat.completion");
    expect(completion.created).toBe(1_700_000_000);
    expect(completion.model).toBe("coder");
    expect(completion.choices).toEqual([
      { index: 0, message: { role: "assistant", content: expected }, logprobs: null, finish_reason: "stop" },
    ]);
    expect(completion.usage).toEqual({
      prompt_tokens: chatPromptTokens(messages.map((m) => m.content)),
      completion_tokens: tokens(expected),
      total_tokens: chatPromptTokens(messages.map((m) => m.content)) + tokens(expected),
      completion_tokens_details: { reasoning_tokens: tokens(REASONING) },
    });
    const last = responder.requests.at(-1);
    expect(last?.request).toMatchObject({ endpoint: "chat", model: "coder", messages, temperature: 0.7 });
    expect(last?.request.requestId).toBe(completion.id);
  });

  it("asks the Responder once per choice for n > 1 and sums usage over choices", async () => {
    const before = responder.requests.length;
    const completion = await client.chat.completions.create({ model: "coder-alias", messages, n: 3 });
    expect(responder.requests.length - before).toBe(3);
    expect(responder.requests.slice(before).map((r) => r.choiceIndex)).toEqual([0, 1, 2]);
    expect(completion.model).toBe("coder-alias");
    expect(completion.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    const texts = [0, 1, 2].map((i) => EchoResponder.textFor("Add two numbers from stdin.", i));
    expect(completion.choices.map((c) => c.message.content)).toEqual(texts);
    expect(completion.usage?.completion_tokens).toBe(texts.reduce((sum, t) => sum + tokens(t), 0));
    expect(completion.usage?.completion_tokens_details?.reasoning_tokens).toBe(3 * tokens(REASONING));
    expect(completion.usage?.prompt_tokens).toBe(chatPromptTokens(messages.map((m) => m.content)));
  });

  it("streams chat chunks in OpenAI's shape, with include_usage and [DONE]", async () => {
    const stream = await client.chat.completions.create({
      model: "coder",
      messages,
      n: 2,
      stream: true,
      stream_options: { include_usage: true },
    });
    const content = ["", ""];
    const finish: (string | null)[] = [null, null];
    const roles: string[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    let chunks = 0;
    const ids = new Set<string>();
    for await (const chunk of stream) {
      chunks += 1;
      ids.add(chunk.id);
      expect(chunk.object).toBe("chat.completion.chunk");
      expect(chunk.created).toBe(1_700_000_000);
      if (chunk.choices.length === 0) {
        usage = chunk.usage;
        continue;
      }
      expect(chunk.usage).toBeNull();
      for (const choice of chunk.choices) {
        if (choice.delta.role) roles.push(choice.delta.role);
        content[choice.index] += choice.delta.content ?? "";
        if (choice.finish_reason) finish[choice.index] = choice.finish_reason;
      }
    }
    const texts = [0, 1].map((i) => EchoResponder.textFor("Add two numbers from stdin.", i));
    expect(content).toEqual(texts);
    expect(finish).toEqual(["stop", "stop"]);
    expect(roles).toEqual(["assistant", "assistant"]);
    expect(ids.size).toBe(1);
    // One event per token that adds text: roughly one chunk per token.
    expect(chunks).toBeGreaterThan(texts.reduce((sum, t) => sum + tokens(t), 0) * 0.8);
    expect(usage).toEqual({
      prompt_tokens: chatPromptTokens(messages.map((m) => m.content)),
      completion_tokens: tokens(texts[0] as string) + tokens(texts[1] as string),
      total_tokens:
        chatPromptTokens(messages.map((m) => m.content)) +
        tokens(texts[0] as string) +
        tokens(texts[1] as string),
      completion_tokens_details: { reasoning_tokens: 2 * tokens(REASONING) },
    });
  });

  it("sends SSE bytes as OpenAI does: data lines, usage last, data: [DONE]", async () => {
    const response = await fetch(`${url}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "coder",
        messages,
        stream: true,
        stream_options: { include_usage: true },
      }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const body = await response.text();
    const events = body.split("\n\n").filter((e) => e !== "");
    expect(events.every((e) => e.startsWith("data: "))).toBe(true);
    expect(events.at(-1)).toBe("data: [DONE]");
    const usageChunk = JSON.parse((events.at(-2) as string).slice(6));
    expect(Object.keys(usageChunk)).toEqual(["id", "object", "created", "model", "choices", "usage"]);
    expect(usageChunk.choices).toEqual([]);
    const first = JSON.parse((events[0] as string).slice(6));
    expect(first.choices[0]).toEqual({
      index: 0,
      delta: { role: "assistant", content: "" },
      logprobs: null,
      finish_reason: null,
    });
  });

  it("serves /v1/completions, streaming and not", async () => {
    const prompt = "judge: which program is right?";
    const completion = await client.completions.create({ model: "coder", prompt, max_tokens: 1000 });
    const expected = EchoResponder.textFor(prompt, 0);
    expect(completion.object).toBe("text_completion");
    expect(completion.id).toMatch(/^cmpl-/);
    expect(completion.choices).toEqual([{ index: 0, text: expected, logprobs: null, finish_reason: "stop" }]);
    expect(completion.usage?.prompt_tokens).toBe(tokens(prompt));
    expect(completion.usage?.completion_tokens).toBe(tokens(expected));
    expect(responder.requests.at(-1)?.request).toMatchObject({
      endpoint: "completions",
      messages: [{ role: "user", content: prompt }],
      maxTokens: 1000,
    });

    const stream = await client.completions.create({
      model: "coder",
      prompt: [prompt],
      n: 2,
      stream: true,
      stream_options: { include_usage: true },
    });
    const texts = ["", ""];
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      expect(chunk.object).toBe("text_completion");
      if (chunk.choices.length === 0) usage = chunk.usage;
      for (const choice of chunk.choices) texts[choice.index] += choice.text;
    }
    expect(texts).toEqual([EchoResponder.textFor(prompt, 0), EchoResponder.textFor(prompt, 1)]);
    expect(usage?.completion_tokens).toBe(tokens(texts[0] as string) + tokens(texts[1] as string));
  });

  it("cuts at max_tokens (and max_completion_tokens) with finish_reason length", async () => {
    const full = EchoResponder.textFor("Add two numbers from stdin.", 0);
    const ids = encode(full);
    for (const limit of [1, 7, 25]) {
      const completion = await client.chat.completions.create({
        model: "coder",
        messages,
        max_tokens: limit,
      });
      expect(completion.choices[0]?.finish_reason).toBe("length");
      expect(completion.choices[0]?.message.content).toBe(decode(ids.slice(0, limit)));
      expect(completion.usage?.completion_tokens).toBe(limit);
      expect(completion.usage?.completion_tokens_details?.reasoning_tokens).toBe(
        Math.min(limit, tokens(REASONING)),
      );
    }
    const viaNewName = await client.chat.completions.create({
      model: "coder",
      messages,
      max_completion_tokens: 4,
    });
    expect(viaNewName.usage?.completion_tokens).toBe(4);
    const streamed = await client.chat.completions.create({
      model: "coder",
      messages,
      max_tokens: 9,
      stream: true,
    });
    let text = "";
    let reason: string | null = null;
    for await (const chunk of streamed) {
      text += chunk.choices[0]?.delta.content ?? "";
      reason = chunk.choices[0]?.finish_reason ?? reason;
    }
    expect(text).toBe(decode(ids.slice(0, 9)));
    expect(reason).toBe("length");
    const roomy = await client.chat.completions.create({ model: "coder", messages, max_tokens: ids.length });
    expect(roomy.choices[0]?.finish_reason).toBe("stop");
  });

  it("cuts at the earliest stop sequence, excluding it, with finish_reason stop", async () => {
    const full = EchoResponder.textFor("Add two numbers from stdin.", 0);
    const one = await client.chat.completions.create({ model: "coder", messages, stop: "```" });
    expect(one.choices[0]?.message.content).toBe(full.slice(0, full.indexOf("```")));
    expect(one.choices[0]?.finish_reason).toBe("stop");
    const completionTokens = one.usage?.completion_tokens ?? 0;
    expect(completionTokens).toBeGreaterThanOrEqual(tokens(one.choices[0]?.message.content ?? ""));
    expect(completionTokens).toBeLessThan(tokens(full));
    const many = await client.chat.completions.create({
      model: "coder",
      messages,
      stop: ["```python", "Choice"],
    });
    expect(many.choices[0]?.message.content).toBe(full.slice(0, full.indexOf("Choice")));
    // A stop sequence that comes after max_tokens does not win.
    const limited = await client.chat.completions.create({
      model: "coder",
      messages,
      stop: ["print"],
      max_tokens: 3,
    });
    expect(limited.choices[0]?.finish_reason).toBe("length");
    const streamed = await client.chat.completions.create({
      model: "coder",
      messages,
      stop: ["```"],
      stream: true,
    });
    let text = "";
    for await (const chunk of streamed) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe(full.slice(0, full.indexOf("```")));
  });

  it("answers errors in OpenAI's JSON shape with the right status", async () => {
    const post = (path: string, body: string) =>
      fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body });
    const badJson = await post("/chat/completions", "{not json");
    expect(badJson.status).toBe(400);
    const badJsonBody = (await badJson.json()) as { error: Record<string, unknown> };
    expect(Object.keys(badJsonBody.error)).toEqual(["message", "type", "param", "code"]);
    expect(badJsonBody.error.type).toBe("invalid_request_error");

    await expect(client.chat.completions.create({ model: "coder", messages: [] })).rejects.toMatchObject({
      status: 400,
      constructor: OpenAI.BadRequestError,
      error: { param: "messages", type: "invalid_request_error" },
    });
    await expect(client.chat.completions.create({ model: "coder", messages, n: 0 })).rejects.toMatchObject({
      status: 400,
      error: { param: "n" },
    });
    await expect(client.chat.completions.create({ model: "coder", messages, n: 1.5 })).rejects.toBeInstanceOf(
      OpenAI.BadRequestError,
    );
    await expect(
      client.chat.completions.create({ model: "coder", messages, temperature: 3 }),
    ).rejects.toMatchObject({
      status: 400,
      error: { param: "temperature" },
    });
    await expect(
      client.completions.create({ model: "coder", prompt: [1, 2] as never }),
    ).rejects.toMatchObject({
      status: 400,
      error: { param: "prompt" },
    });
    const unknownModel = client.chat.completions.create({ model: "gpt-17", messages });
    await expect(unknownModel).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(unknownModel).rejects.toMatchObject({
      status: 404,
      code: "model_not_found",
      param: "model",
    });
    const huge = "word ".repeat(40_000);
    await expect(
      client.chat.completions.create({ model: "coder", messages: [{ role: "user", content: huge }] }),
    ).rejects.toMatchObject({ status: 400, code: "context_length_exceeded" });

    const unknownPath = await fetch(`${url}/nope`, { method: "POST", body: "{}" });
    expect(unknownPath.status).toBe(404);
    expect(((await unknownPath.json()) as { error: { message: string } }).error.message).toBe(
      "Invalid URL (POST /v1/nope)",
    );
    const wrongMethod = await fetch(`${url}/chat/completions`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("POST");
    expect(((await wrongMethod.json()) as { error: { type: string } }).error.type).toBe(
      "invalid_request_error",
    );
    const wrongMethodModels = await fetch(`${url}/models`, { method: "DELETE" });
    expect(wrongMethodModels.status).toBe(405);
  });

  it("lists the served models and answers /health", async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(["coder", "coder-alias"]);
    expect(models.data[0]).toMatchObject({ object: "model", owned_by: "sstar" });
    expect((await client.models.retrieve("coder-alias")).id).toBe("coder-alias");
    await expect(client.models.retrieve("nope")).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const health = await fetch(`${root}/health`);
    expect(health.status).toBe(200);
  });

  it("exposes vLLM's metric names, and counters that match /sim/stats exactly", async () => {
    const scrape = async () => (await fetch(`${root}/metrics`)).text();
    const value = (text: string, series: string): number => {
      const line = text.split("\n").find((l) => l.startsWith(`${series} `));
      return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
    };
    const before = await scrape();
    for (const name of [
      "vllm:prompt_tokens_total",
      "vllm:generation_tokens_total",
      "vllm:num_requests_running",
      "vllm:num_requests_waiting",
      "vllm:e2e_request_latency_seconds",
      "vllm:request_success_total",
      "vllm:time_to_first_token_seconds",
    ]) {
      expect(before).toContain(`# TYPE ${name} `);
    }
    const label = '{model_name="coder"}';
    const promptBefore = value(before, `vllm:prompt_tokens_total${label}`);
    const generationBefore = value(before, `vllm:generation_tokens_total${label}`);
    const completion = await client.chat.completions.create({ model: "coder", messages, n: 2 });
    const after = await scrape();
    expect(value(after, `vllm:prompt_tokens_total${label}`) - promptBefore).toBe(
      completion.usage?.prompt_tokens,
    );
    expect(value(after, `vllm:generation_tokens_total${label}`) - generationBefore).toBe(
      completion.usage?.completion_tokens,
    );
    expect(value(after, `vllm:e2e_request_latency_seconds_count${label}`)).toBeGreaterThan(0);
    expect(
      value(after, `vllm:request_success_total{model_name="coder",finished_reason="stop"}`),
    ).toBeGreaterThan(0);
    expect(value(after, `vllm:num_requests_running${label}`)).toBe(0);

    const stats = (await (await fetch(`${root}/sim/stats`)).json()) as SimStats;
    expect(stats).toEqual(server.stats());
    expect(stats.promptTokens).toBe(value(after, `vllm:prompt_tokens_total${label}`));
    expect(stats.completionTokens).toBe(value(after, `vllm:generation_tokens_total${label}`));
    expect(stats.byRole.generate).toBeGreaterThan(0);
  });

  it("writes one JSONL line per request, readable right after the response", async () => {
    const completion = await client.chat.completions.create({
      model: "coder",
      messages,
      n: 2,
      max_tokens: 5,
    });
    const lines = readFileSync(logPath, "utf8").trim().split("\n");
    const entry = JSON.parse(lines.at(-1) as string) as RequestLogEntry;
    expect(entry.content_hash).toMatch(/^[0-9a-f]{32}$/);
    expect(entry).toEqual({
      request_id: completion.id,
      content_hash: entry.content_hash,
      time: new Date(1_700_000_000_000).toISOString(),
      endpoint: "chat",
      model: "coder",
      role: ["generate", "generate"],
      problem: ["echo-1", "echo-1"],
      outcome: ["correct", "wrong"],
      finish_reason: ["length", "length"],
      disguise: [null, null],
      choice_fault: [null, null],
      prompt_tokens: completion.usage?.prompt_tokens,
      completion_tokens: 10,
      reasoning_tokens: 10,
      n: 2,
      stream: false,
      status: 200,
      fault: null,
      error: null,
    });
    await client.chat.completions.create({ model: "gpt-17", messages }).catch(() => undefined);
    const rejected = JSON.parse(
      readFileSync(logPath, "utf8").trim().split("\n").at(-1) as string,
    ) as RequestLogEntry;
    expect(rejected).toMatchObject({ model: "gpt-17", status: 404, role: [], fault: null });
    expect(rejected.error).toContain("gpt-17");
  });
});

describe("simulator determinism", () => {
  const script = [
    {
      path: "/chat/completions",
      body: { model: "sstar-sim", messages: [{ role: "user", content: "a" }], n: 3 },
    },
    {
      path: "/chat/completions",
      body: { model: "sstar-sim", messages: [{ role: "user", content: "a" }], n: 3 },
    },
    {
      path: "/chat/completions",
      body: { model: "sstar-sim", messages: [{ role: "user", content: "b" }], stream: true, max_tokens: 12 },
    },
    { path: "/completions", body: { model: "sstar-sim", prompt: "c", stop: ["print"], seed: 4 } },
  ];
  const faults = { truncate: { rate: 0.5 }, malformedCode: { rate: 0.5 } };

  async function run(seed: number): Promise<string[]> {
    const { server, url } = await start({ latency: "zero", seed, fixedCreated: 1, faults });
    try {
      const bodies: string[] = [];
      for (const step of script) {
        const response = await fetch(`${url}${step.path}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(step.body),
        });
        bodies.push(await response.text());
      }
      return bodies;
    } finally {
      await server.close();
    }
  }

  it("gives byte-identical responses for the same seed and requests, and other ids for another seed", async () => {
    const first = await run(7);
    const second = await run(7);
    expect(second).toEqual(first);
    // Repeating a request is a new draw: a new id.
    expect(JSON.parse(first[0] as string).id).not.toBe(JSON.parse(first[1] as string).id);
    const other = await run(8);
    expect(JSON.parse(other[0] as string).id).not.toBe(JSON.parse(first[0] as string).id);
  });
});

describe("simulator config", () => {
  it("fills every default", () => {
    const config = defaultSimConfig();
    expect(config).toMatchObject({
      host: "127.0.0.1",
      port: 8000,
      models: ["sstar-sim", "sstar-sim-coder"],
      seed: 0,
      latency: "model",
      timing: { maxNumSeqs: 256, decodeTokensPerSecond: 40 },
      faults: { rateLimit: { rate: 0, retryAfterSeconds: 1 }, hang: { rate: 0, seconds: 600 } },
      behaviour: {},
    });
  });

  it("loads YAML and JSON files, keeps behaviour opaque, and lets overrides win", () => {
    const dir = mkdtempSync(join(tmpdir(), "sstar-simcfg-"));
    const yamlPath = join(dir, "sim.yaml");
    writeFileSync(
      yamlPath,
      "port: 9000\nlatency: zero\ntiming:\n  maxNumSeqs: 8\nfaults:\n  rateLimit:\n    rate: 0.1\nbehaviour:\n  p: { easy: 0.8 }\n",
    );
    const fromYaml = loadSimConfig(yamlPath, { port: 9100 });
    expect(fromYaml.port).toBe(9100);
    expect(fromYaml.latency).toBe("zero");
    expect(fromYaml.timing.maxNumSeqs).toBe(8);
    expect(fromYaml.timing.decodeTokensPerSecond).toBe(40);
    expect(fromYaml.faults.rateLimit).toEqual({ rate: 0.1, retryAfterSeconds: 1 });
    expect(fromYaml.behaviour).toEqual({ p: { easy: 0.8 } });
    const jsonPath = join(dir, "sim.json");
    writeFileSync(jsonPath, JSON.stringify({ models: ["a", "b"], seed: 3 }));
    expect(loadSimConfig(jsonPath)).toMatchObject({ models: ["a", "b"], seed: 3 });
  });

  it("rejects bad values and unknown keys, naming the key and the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "sstar-simcfg-"));
    const path = join(dir, "bad.yaml");
    writeFileSync(
      path,
      "timing:\n  maxNumSeqs: zero\n  decodeTokenPerSecond: 5\nfaults:\n  hang:\n    rate: 2\n",
    );
    let error: unknown;
    try {
      loadSimConfig(path);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SimConfigError);
    const message = (error as Error).message;
    expect(message).toContain(path);
    expect(message).toContain("timing.maxNumSeqs");
    expect(message).toContain("timing.decodeTokenPerSecond: unknown key");
    expect(message).toContain("faults.hang.rate");
    expect(() => parseSimConfig({ latency: "fast" })).toThrow(/latency/);
    expect(() =>
      parseSimConfig({ faults: { rateLimit: { rate: 0.6 }, serverError: { rate: 0.6 } } }),
    ).toThrow(/faults: .*more than 1/);
    expect(() => parseSimConfig({ models: [] })).toThrow(/models/);
    writeFileSync(join(dir, "broken.json"), "{");
    expect(() => loadSimConfig(join(dir, "broken.json"))).toThrow(/broken\.json: not valid JSON/);
  });
});
