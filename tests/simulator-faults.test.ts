import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encode } from "gpt-tokenizer";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { breakCodeFences, FaultPlan, seededUniform } from "../simulator/faults";
import type { RequestLogEntry } from "../simulator/request-log";
import type { Responder, SimulatedAnswer, SimulatedRequest } from "../simulator/responder";
import { createSimulatorServer, type SimulatorServer } from "../simulator/server";
import { parseSimConfig, type SimConfigInput } from "../simulator/sim-config";

const REASONING = "<think>The sum of two integers, read from one line.</think>";
const CODE = "a, b = map(int, input().split())\nprint(a + b)\n";

class CodeResponder implements Responder {
  respond(request: SimulatedRequest, choiceIndex: number): SimulatedAnswer {
    const last = request.messages.at(-1)?.content ?? "";
    return {
      text: `${REASONING}\nHere is my solution for ${last} (#${choiceIndex}):\n\`\`\`python\n${CODE}\`\`\`\n`,
      reasoning: REASONING,
      role: "generate",
      outcome: "correct",
    };
  }
}

const messages = [{ role: "user" as const, content: "sum two numbers" }];

async function withServer(
  config: SimConfigInput,
  body: (context: { client: OpenAI; server: SimulatorServer; url: string; log: string }) => Promise<void>,
  timeout = 10_000,
): Promise<void> {
  const log = join(mkdtempSync(join(tmpdir(), "sstar-simfault-")), "requests.jsonl");
  const server = createSimulatorServer({
    responder: new CodeResponder(),
    config: { latency: "zero", ...config },
    log,
  });
  const { url } = await server.listen(0, "127.0.0.1");
  const client = new OpenAI({ baseURL: url, apiKey: "x", maxRetries: 0, timeout });
  try {
    await body({ client, server, url, log });
  } finally {
    await server.close();
  }
}

const lastLogLine = (log: string): RequestLogEntry =>
  JSON.parse(readFileSync(log, "utf8").trim().split("\n").at(-1) as string) as RequestLogEntry;

describe("simulator faults, as the openai client sees them", () => {
  it("429: RateLimitError with Retry-After", async () => {
    await withServer(
      { faults: { rateLimit: { rate: 1, retryAfterSeconds: 3 } } },
      async ({ client, log, server }) => {
        const call = client.chat.completions.create({ model: "sstar-sim", messages });
        await expect(call).rejects.toBeInstanceOf(OpenAI.RateLimitError);
        const error = (await call.catch((e: unknown) => e)) as InstanceType<typeof OpenAI.RateLimitError>;
        expect(error.status).toBe(429);
        expect(error.headers?.get("retry-after")).toBe("3");
        expect(error.code).toBe("rate_limit_exceeded");
        expect(lastLogLine(log)).toMatchObject({ status: 429, fault: "rate_limit", role: [] });
        // A streaming request fails the same way, before any chunk.
        await expect(
          client.chat.completions.create({ model: "sstar-sim", messages, stream: true }),
        ).rejects.toBeInstanceOf(OpenAI.RateLimitError);
        expect(server.stats().faults.rate_limit).toBe(2);
        expect(server.stats().byStatus["429"]).toBe(2);
      },
    );
  });

  it("500 and 503: InternalServerError with the status", async () => {
    await withServer({ faults: { serverError: { rate: 1 } } }, async ({ client, log }) => {
      const error = await client.chat.completions
        .create({ model: "sstar-sim", messages })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.InternalServerError);
      expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(500);
      expect((error as InstanceType<typeof OpenAI.APIError>).type).toBe("server_error");
      expect(lastLogLine(log)).toMatchObject({ status: 500, fault: "server_error" });
    });
    await withServer(
      { faults: { unavailable: { rate: 1, retryAfterSeconds: 2 } } },
      async ({ client, log }) => {
        const error = await client.completions
          .create({ model: "sstar-sim", prompt: "x" })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(OpenAI.InternalServerError);
        expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
        expect((error as InstanceType<typeof OpenAI.APIError>).headers?.get("retry-after")).toBe("2");
        expect(lastLogLine(log)).toMatchObject({
          status: 503,
          fault: "unavailable",
          endpoint: "completions",
        });
      },
    );
  });

  it("connection reset: APIConnectionError (not a timeout)", async () => {
    await withServer({ faults: { connectionReset: { rate: 1 } } }, async ({ client, log, server }) => {
      const error = await client.chat.completions
        .create({ model: "sstar-sim", messages })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
      expect(error).not.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
      expect(lastLogLine(log)).toMatchObject({ status: 0, fault: "connection_reset" });
      expect(server.stats().byStatus["0"]).toBe(1);
    });
  });

  it("hang: the client's timeout fires (APIConnectionTimeoutError), and close() does not wait for it", async () => {
    const started = Date.now();
    await withServer(
      { faults: { hang: { rate: 1, seconds: 60 } } },
      async ({ client, log }) => {
        const error = await client.chat.completions
          .create({ model: "sstar-sim", messages })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
        expect(lastLogLine(log)).toMatchObject({ status: 0, fault: "hang" });
        // A hang that outlives the client's patience still holds the request when the server stops.
        void client.chat.completions
          .create({ model: "sstar-sim", messages }, { timeout: 120_000 })
          .catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, 100));
      },
      400,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("a hang shorter than the client's timeout ends in a dropped connection", async () => {
    await withServer({ faults: { hang: { rate: 1, seconds: 0.2 } } }, async ({ client }) => {
      const error = await client.chat.completions
        .create({ model: "sstar-sim", messages })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
      expect(error).not.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    });
  });

  it("truncated output: a prefix of the answer with finish_reason length", async () => {
    await withServer(
      { faults: { truncate: { rate: 1, minKeepFraction: 0.5, maxKeepFraction: 0.5 } } },
      async ({ client, log }) => {
        const full = new CodeResponder().respond(
          { requestId: "", endpoint: "chat", model: "sstar-sim", messages },
          0,
        ).text;
        const completion = await client.chat.completions.create({ model: "sstar-sim", messages });
        const content = completion.choices[0]?.message.content ?? "";
        expect(completion.choices[0]?.finish_reason).toBe("length");
        expect(full.startsWith(content)).toBe(true);
        expect(completion.usage?.completion_tokens).toBe(Math.floor(encode(full).length * 0.5));
        expect(content.length).toBeLessThan(full.length);
        expect(lastLogLine(log)).toMatchObject({ status: 200, fault: null, choice_fault: ["truncate"] });
        // Streaming shows the same cut.
        const stream = await client.chat.completions.create({ model: "sstar-sim", messages, stream: true });
        let streamed = "";
        let reason: string | null = null;
        for await (const chunk of stream) {
          streamed += chunk.choices[0]?.delta.content ?? "";
          reason = chunk.choices[0]?.finish_reason ?? reason;
        }
        expect(reason).toBe("length");
        expect(full.startsWith(streamed)).toBe(true);
        expect(streamed.length).toBeLessThan(full.length);
      },
    );
  });

  it("malformed code block: the answer's fences are broken", async () => {
    await withServer({ faults: { malformedCode: { rate: 1 } } }, async ({ client, log, server }) => {
      const completion = await client.chat.completions.create({ model: "sstar-sim", messages, n: 12 });
      const wellFormed = /```python\n[\s\S]*?\n```/;
      for (const choice of completion.choices) {
        expect(choice.finish_reason).toBe("stop");
        expect(choice.message.content).toContain(CODE.split("\n")[0]);
        expect(choice.message.content).not.toMatch(wellFormed);
      }
      expect(lastLogLine(log).choice_fault).toEqual(new Array(12).fill("malformed_code"));
      expect(server.stats().faults.malformed_code).toBe(12);
    });
  });

  it("draws faults at their rates from the seed, reproducibly", async () => {
    const outcomes = async (seed: number, requests = 200): Promise<string[]> => {
      const seen: string[] = [];
      await withServer(
        { seed, faults: { rateLimit: { rate: 0.2 }, serverError: { rate: 0.1 }, truncate: { rate: 0.3 } } },
        async ({ client }) => {
          for (let i = 0; i < requests; i += 1) {
            const result = await client.chat.completions
              .create({ model: "sstar-sim", messages: [{ role: "user", content: `problem ${i % 50}` }] })
              .then((c) => c.choices[0]?.finish_reason ?? "none")
              .catch((e: InstanceType<typeof OpenAI.APIError>) => String(e.status));
            seen.push(result);
          }
        },
      );
      return seen;
    };
    const first = await outcomes(11);
    const count = (kind: string) => first.filter((o) => o === kind).length;
    // 200 draws: binomial standard deviations are about 5.7 (p = 0.2), 4.2 (p = 0.1); allow ~3.5 sigma.
    expect(Math.abs(count("429") - 40)).toBeLessThanOrEqual(20);
    expect(Math.abs(count("500") - 20)).toBeLessThanOrEqual(15);
    // Truncation applies to the 70% that got through: 0.3 × 140 = 42.
    expect(Math.abs(count("length") - 42)).toBeLessThanOrEqual(22);
    expect(await outcomes(11)).toEqual(first);
    expect(await outcomes(12, 50)).not.toEqual(first.slice(0, 50));
  });
});

describe("fault draws and fence breaking", () => {
  it("seededUniform is uniform-looking, fixed by its inputs", () => {
    const draws = Array.from({ length: 4000 }, (_, i) => seededUniform(5, "x", i));
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    expect(mean).toBeGreaterThan(0.47);
    expect(mean).toBeLessThan(0.53);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    expect(seededUniform(5, "x", 1)).toBe(draws[1]);
    expect(seededUniform(6, "x", 1)).not.toBe(draws[1]);
  });

  it("a request key draws independently of other requests", () => {
    const plan = new FaultPlan(parseSimConfig({ faults: { hang: { rate: 0.5 } } }).faults, 1);
    const a = Array.from({ length: 50 }, (_, i) => plan.requestFault(`k${i}`));
    const b = Array.from({ length: 50 }, (_, i) => plan.requestFault(`k${49 - i}`)).reverse();
    expect(b).toEqual(a);
  });

  it("breaks fences in three ways, each unparsable as one python block", () => {
    const text = "Reasoning.\n```python\nprint(1)\n```\nDone.";
    const wellFormed = /```python\n[\s\S]*?\n```/;
    const ways = [0.1, 0.5, 0.9].map((draw) => breakCodeFences(text, draw));
    expect(new Set(ways).size).toBe(3);
    for (const broken of ways) {
      expect(broken).not.toBeNull();
      expect(broken).not.toMatch(wellFormed);
      expect(broken).toContain("print(1)");
    }
    expect(breakCodeFences("no code here", 0.5)).toBeNull();
  });
});
