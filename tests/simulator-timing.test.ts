import { encode } from "gpt-tokenizer";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import type { Responder, SimulatedAnswer, SimulatedRequest } from "../simulator/responder";
import { createSimulatorServer, type SimulatorServer } from "../simulator/server";
import { parseSimConfig, type SimConfigInput } from "../simulator/sim-config";
import type { SimStats } from "../simulator/sim-metrics";
import { BatchTimingModel, type RequestTiming } from "../simulator/timing-model";

/** Answers `words` words (one token each) so the completion size is known; `blockerWords` to "blocker". */
class SizedResponder implements Responder {
  constructor(
    private readonly words: number,
    private readonly blockerWords = words,
  ) {}
  static text(words: number): string {
    return "tok ".repeat(words).trimEnd();
  }
  respond(request: SimulatedRequest, _choiceIndex: number): SimulatedAnswer {
    const blocker = request.messages.at(-1)?.content === "blocker";
    return {
      text: SizedResponder.text(blocker ? this.blockerWords : this.words),
      role: "generate",
      outcome: "sized",
    };
  }
}

const tokens = (text: string): number => encode(text).length;
const chatPrompt = (content: string): number => 3 + tokens(content) + 4;

async function startServer(
  words: number,
  config: SimConfigInput,
  blockerWords = words,
): Promise<{ server: SimulatorServer; url: string }> {
  const server = createSimulatorServer({ responder: new SizedResponder(words, blockerWords), config });
  const { url } = await server.listen(0, "127.0.0.1");
  return { server, url };
}

function gauge(text: string, name: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`));
  return line === undefined ? Number.NaN : Number(line.split(" ").at(-1));
}

describe("timing model through real HTTP", () => {
  it("delivers the throughput its configuration implies under load, with queueing visible", async () => {
    const timing = {
      maxNumSeqs: 8,
      prefillTokensPerSecond: 2000,
      decodeTokensPerSecond: 100,
      decodeSlowdown: 0.05,
      streamIntervalMs: 20,
    };
    const words = 60;
    const { server, url } = await startServer(words, { timing }, 10_000);
    const root = url.slice(0, -"/v1".length);
    const client = new OpenAI({ baseURL: url, apiKey: "x", maxRetries: 0, timeout: 60_000 });
    try {
      const content = "Solve the problem below and answer with one python block. ".repeat(4);
      const P = chatPrompt(content);
      const L = tokens(SizedResponder.text(words));
      // A blocker (n = 8) holds every slot until all 40 requests wait; then it is abandoned and the 40
      // run as five synchronous waves of 8: 8 prompts prefilled together (sharing the prefill rate),
      // then L − 1 more tokens each at the batch-of-8 decode rate.
      const rate8 = timing.decodeTokensPerSecond / (1 + timing.decodeSlowdown * 7);
      const wave = (8 * P) / timing.prefillTokensPerSecond + (L - 1) / rate8;
      const expectedSeconds = 5 * wave;

      await client.chat.completions.create({ model: "sstar-sim", messages: [{ role: "user", content }] });
      const abandon = new AbortController();
      const blocker = client.chat.completions
        .create(
          { model: "sstar-sim", messages: [{ role: "user", content: "blocker" }], n: 8 },
          { signal: abandon.signal },
        )
        .catch((error: unknown) => error);
      const results = Promise.all(
        Array.from({ length: 40 }, () =>
          client.chat.completions.create({ model: "sstar-sim", messages: [{ role: "user", content }] }),
        ),
      );
      const queued = async (): Promise<{ running: number; waiting: number }> => {
        const text = await (await fetch(`${root}/metrics`)).text();
        return {
          running: gauge(text, "vllm:num_requests_running"),
          waiting: gauge(text, "vllm:num_requests_waiting"),
        };
      };
      let before = await queued();
      for (let i = 0; i < 600 && before.waiting < 40; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        before = await queued();
      }
      expect(before).toEqual({ running: 8, waiting: 40 });

      const samples: { running: number; waiting: number }[] = [];
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          samples.push(await queued());
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })();
      const statsBefore = server.stats();
      const started = performance.now();
      abandon.abort();
      expect(await blocker).toBeInstanceOf(OpenAI.APIUserAbortError);
      const done = await results;
      const elapsed = (performance.now() - started) / 1000;
      sampling = false;
      await sampler;

      expect(done.every((r) => r.usage?.completion_tokens === L && r.usage.prompt_tokens === P)).toBe(true);
      expect(Math.abs(elapsed - expectedSeconds) / expectedSeconds).toBeLessThan(0.1);
      const throughput = (40 * L) / elapsed;
      const expectedThroughput = (40 * L) / expectedSeconds;
      expect(Math.abs(throughput - expectedThroughput) / expectedThroughput).toBeLessThan(0.1);
      const stats = (await (await fetch(`${root}/sim/stats`)).json()) as SimStats;
      expect(stats.completionTokens).toBe(41 * L);
      expect(stats.aborted).toBe(1);
      // Utilisation over the waves: the batch was full (8) nearly all the time.
      const utilisation =
        (stats.sequenceSeconds - statsBefore.sequenceSeconds) / (stats.busySeconds - statsBefore.busySeconds);
      expect(utilisation).toBeGreaterThan(7.5);

      expect(samples.every((s) => s.running <= 8)).toBe(true);
      expect(samples.some((s) => s.waiting > 0 && s.waiting < 40)).toBe(true);
      const end = await queued();
      expect(end).toEqual({ running: 0, waiting: 0 });
      const metrics = await (await fetch(`${root}/metrics`)).text();
      expect(gauge(metrics, "vllm:e2e_request_latency_seconds_count")).toBe(41);
    } finally {
      await server.close();
    }
  });

  it("streams tokens at the decode pace, the first after the prefill", async () => {
    const timing = {
      maxNumSeqs: 4,
      prefillTokensPerSecond: 100,
      decodeTokensPerSecond: 40,
      streamIntervalMs: 10,
    };
    const words = 60;
    const { server, url } = await startServer(words, { timing });
    const client = new OpenAI({ baseURL: url, apiKey: "x", maxRetries: 0, timeout: 30_000 });
    try {
      const content = "a prompt of some twenty tokens or so, give or take a few here and there";
      const P = chatPrompt(content);
      const L = tokens(SizedResponder.text(words));
      const started = performance.now();
      const stream = await client.chat.completions.create({
        model: "sstar-sim",
        messages: [{ role: "user", content }],
        stream: true,
      });
      const arrivals: number[] = [];
      let text = "";
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta.content ?? "";
        if (delta !== "") arrivals.push((performance.now() - started) / 1000);
        text += delta;
      }
      expect(text).toBe(SizedResponder.text(words));
      expect(arrivals.length).toBe(L);
      const ttft = arrivals[0] as number;
      expect(ttft).toBeGreaterThan((P / timing.prefillTokensPerSecond) * 0.9);
      expect(ttft).toBeLessThan(P / timing.prefillTokensPerSecond + 0.25);
      const decodeSpan = (arrivals.at(-1) as number) - ttft;
      const expectedSpan = (L - 1) / timing.decodeTokensPerSecond;
      expect(Math.abs(decodeSpan - expectedSpan) / expectedSpan).toBeLessThan(0.1);
      // Spread out, not in one burst: no quarter of the span holds more than half the tokens.
      const quarter = expectedSpan / 4;
      for (let q = 0; q < 4; q += 1) {
        const inQuarter = arrivals.filter(
          (t) => t >= ttft + q * quarter && t < ttft + (q + 1) * quarter,
        ).length;
        expect(inQuarter).toBeLessThan(L / 2);
      }
    } finally {
      await server.close();
    }
  });

  it("counts each choice of n as a sequence against maxNumSeqs", async () => {
    const timing = { maxNumSeqs: 2, prefillTokensPerSecond: 100_000, decodeTokensPerSecond: 50 };
    const words = 25;
    const { server, url } = await startServer(words, { timing });
    const client = new OpenAI({ baseURL: url, apiKey: "x", maxRetries: 0, timeout: 30_000 });
    try {
      const L = tokens(SizedResponder.text(words));
      const completion = await client.chat.completions.create({
        model: "sstar-sim",
        messages: [{ role: "user", content: "hi" }],
        n: 4,
      });
      // The server's own end-to-end latency, free of the client's dispatch time.
      const metrics = await (await fetch(`${url.slice(0, -"/v1".length)}/metrics`)).text();
      const elapsed = gauge(metrics, "vllm:e2e_request_latency_seconds_sum");
      expect(completion.choices).toHaveLength(4);
      // Two waves: the first decodes L − 1 after its prefill; the second (prompt cached) decodes L.
      const expected = (L - 1) / 50 + L / 50;
      expect(Math.abs(elapsed - expected) / expected).toBeLessThan(0.1);
    } finally {
      await server.close();
    }
  });

  it("frees a client's slots when it goes away", async () => {
    const timing = { maxNumSeqs: 1, prefillTokensPerSecond: 100_000, decodeTokensPerSecond: 20 };
    const { server, url } = await startServer(200, { timing });
    const impatient = new OpenAI({ baseURL: url, apiKey: "x", maxRetries: 0, timeout: 300 });
    const patient = new OpenAI({ baseURL: url, apiKey: "x", maxRetries: 0, timeout: 30_000 });
    try {
      await expect(
        impatient.chat.completions.create({
          model: "sstar-sim",
          messages: [{ role: "user", content: "slow" }],
        }),
      ).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
      const started = performance.now();
      const quick = await patient.chat.completions.create({
        model: "sstar-sim",
        messages: [{ role: "user", content: "quick" }],
        max_tokens: 5,
      });
      expect(quick.choices[0]?.finish_reason).toBe("length");
      // The abandoned request would have held the only slot for about 10 s more.
      expect((performance.now() - started) / 1000).toBeLessThan(3);
      expect(server.stats().aborted).toBe(1);
      expect(server.stats().byStatus["499"]).toBe(1);
    } finally {
      await server.close();
    }
  });

  it("answers at once in zero-latency mode", async () => {
    const { server, url } = await startServer(2000, { latency: "zero" });
    const client = new OpenAI({ baseURL: url, apiKey: "x", maxRetries: 0, timeout: 30_000 });
    try {
      await client.chat.completions.create({
        model: "sstar-sim",
        messages: [{ role: "user", content: "warm up" }],
      });
      const started = performance.now();
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          client.chat.completions.create({
            model: "sstar-sim",
            messages: [{ role: "user", content: `q${i}` }],
            n: 2,
          }),
        ),
      );
      // 40 sequences of 2000 tokens: about 33 minutes at the default decode rate, seconds at most here.
      expect((performance.now() - started) / 1000).toBeLessThan(5);
    } finally {
      await server.close();
    }
  });
});

describe("batch timing model on a manual clock", () => {
  it("schedules FIFO within maxNumSeqs, shares prefill, slows decode with the batch", async () => {
    let now = 0;
    const timing = parseSimConfig({
      timing: { maxNumSeqs: 2, prefillTokensPerSecond: 1000, decodeTokensPerSecond: 10, decodeSlowdown: 0.5 },
    }).timing;
    const model = new BatchTimingModel(timing, () => now);
    try {
      const a = model.submit({ promptTokens: 100, completionTokens: [11] });
      const b = model.submit({ promptTokens: 100, completionTokens: [21] });
      const c = model.submit({ promptTokens: 0, completionTokens: [5] });
      expect(model.stats()).toMatchObject({ running: 2, waiting: 1 });
      now = 1;
      expect(model.stats()).toMatchObject({ running: 2, waiting: 1 });
      now = 2;
      expect(model.stats()).toMatchObject({ running: 2, waiting: 0 });
      now = 10;
      expect(model.stats()).toMatchObject({ running: 0, waiting: 0 });
      const [ta, tb, tc] = (await Promise.all([a.done, b.done, c.done])) as [
        RequestTiming,
        RequestTiming,
        RequestTiming,
      ];
      // A and B prefill 100 tokens each at 500 tokens/s (shared): both done at 0.2 s, one token each.
      // Two decoding: 10 / 1.5 tokens/s each; A's other 10 tokens take 1.5 s: A ends at 1.7 s.
      expect(ta).toMatchObject({ cancelled: false, queueSeconds: 0 });
      expect(ta.firstTokenSeconds).toBeCloseTo(0.2, 9);
      expect(ta.e2eSeconds).toBeCloseTo(1.7, 9);
      // C is admitted at 1.7 s (no prompt: first token at once), then 4 tokens at 10 / 1.5: ends at 2.3 s.
      expect(tc.queueSeconds).toBeCloseTo(1.7, 9);
      expect(tc.firstTokenSeconds).toBeCloseTo(1.7, 9);
      expect(tc.e2eSeconds).toBeCloseTo(2.3, 9);
      // B: 11 tokens at 1.7 s, 15 at 2.3 s, then alone at 10 tokens/s for 6 more: ends at 2.9 s.
      expect(tb.e2eSeconds).toBeCloseTo(2.9, 9);
      expect(model.stats().busySeconds).toBeCloseTo(2.9, 9);
      // Two in flight until 2.3 s, then one until 2.9 s.
      expect(model.stats().sequenceSeconds).toBeCloseTo(2 * 2.3 + 0.6, 9);
    } finally {
      model.close();
    }
  });

  it("reports streamed token counts as they grow, and cancels", async () => {
    let now = 0;
    const timing = parseSimConfig({
      timing: { maxNumSeqs: 1, prefillTokensPerSecond: 100, decodeTokensPerSecond: 10 },
    }).timing;
    const model = new BatchTimingModel(timing, () => now);
    try {
      const heard: [number, number][] = [];
      const first = model.submit({
        promptTokens: 10,
        completionTokens: [4, 3],
        onTokens: (choice, count) => heard.push([choice, count]),
      });
      const second = model.submit({ promptTokens: 5, completionTokens: [2] });
      now = 0.1; // prefill done: first token of choice 0 (choice 1 waits for the slot)
      model.stats();
      now = 0.25;
      model.stats();
      expect(heard).toEqual([
        [0, 1],
        [0, 2],
      ]);
      now = 0.4; // choice 0 ends; choice 1 starts with its prompt cached, no token yet
      model.stats();
      now = 0.55;
      model.stats();
      expect(heard.at(-1)).toEqual([1, 1]);
      first.cancel();
      expect((await first.done).cancelled).toBe(true);
      expect(model.stats()).toMatchObject({ running: 1, waiting: 0 });
      now = 5;
      const timing2 = await second.done;
      expect(timing2.cancelled).toBe(false);
      expect(timing2.queueSeconds).toBeCloseTo(0.55, 9);
    } finally {
      model.close();
    }
  });
});
