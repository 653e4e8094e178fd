import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import {
  EndpointThroughputSampler,
  estimateThroughput,
  measuredThroughput,
  metricSum,
  metricsUrlOf,
  parseEndpointSample,
} from "../llm/endpoint-throughput";
import type { Responder, SimulatedAnswer } from "../simulator/responder";
import { createSimulatorServer } from "../simulator/server";

describe("reading vLLM metrics", () => {
  const text = [
    "# HELP vllm:generation_tokens_total Number of generation tokens processed.",
    "# TYPE vllm:generation_tokens_total counter",
    'vllm:generation_tokens_total{model_name="a"} 1200',
    'vllm:generation_tokens_total{model_name="b"} 300 1700000000000',
    "vllm:generation_tokens_total_created 1700000000",
    'vllm:num_requests_running{model_name="a"} 3',
  ].join("\n");

  it("sums every label set of a metric and ignores longer names and timestamps", () => {
    expect(metricSum(text, "vllm:generation_tokens_total")).toBe(1500);
    expect(metricSum(text, "vllm:num_requests_running")).toBe(3);
    expect(metricSum(text, "vllm:missing")).toBeUndefined();
    expect(parseEndpointSample(text, 5)).toEqual({ atMs: 5, generationTokens: 1500, running: 3 });
    expect(parseEndpointSample("up 1", 5)).toBeUndefined();
  });

  it("finds the metrics next to the OpenAI path", () => {
    expect(metricsUrlOf("http://127.0.0.1:8000/v1")).toBe("http://127.0.0.1:8000/metrics");
    expect(metricsUrlOf("http://vllm.gpu.svc:8000/v1/")).toBe("http://vllm.gpu.svc:8000/metrics");
  });

  it("counts busy intervals only, and survives a counter reset", () => {
    const s = (atMs: number, generationTokens: number, running: number) => ({
      atMs,
      generationTokens,
      running,
    });
    const estimate = estimateThroughput([
      s(0, 0, 0),
      s(1000, 0, 0), // idle: left out
      s(2000, 500, 2),
      s(3000, 1000, 2),
      s(4000, 1000, 0), // the running requests finished in this interval: still busy
      s(5000, 1000, 0), // idle
      s(6000, 200, 1), // restarted endpoint: 200 new tokens
    ]);
    expect(estimate.generatedTokens).toBe(1200);
    expect(estimate.busySeconds).toBe(4);
    expect(estimate.tokensPerSecond).toBe(300);
    expect(measuredThroughput({ a: estimate, idle: estimateThroughput([s(0, 0, 0), s(1, 0, 0)]) })).toEqual({
      a: 300,
    });
  });
});

class FixedResponder implements Responder {
  respond(): SimulatedAnswer {
    return { text: "tok ".repeat(80).trimEnd(), role: "generate", outcome: "sized" };
  }
}

describe("sampling a simulated vLLM endpoint over HTTP", () => {
  it("measures close to the throughput its timing model delivers", async () => {
    const timing = {
      maxNumSeqs: 4,
      prefillTokensPerSecond: 100_000,
      decodeTokensPerSecond: 200,
      decodeSlowdown: 0,
    };
    const server = createSimulatorServer({ responder: new FixedResponder(), config: { timing } });
    const { url } = await server.listen(0, "127.0.0.1");
    const sampler = new EndpointThroughputSampler({ sim: url, down: "http://127.0.0.1:9/v1" }, 100);
    try {
      sampler.start();
      const client = new OpenAI({ baseURL: url, apiKey: "x", maxRetries: 0 });
      const ask = () =>
        client.chat.completions.create({ model: "sstar-sim", messages: [{ role: "user", content: "go" }] });
      // Eight requests on four slots: the endpoint decodes four sequences at 200 tokens/s each.
      const answers = await Promise.all(Array.from({ length: 8 }, ask));
      const estimates = await sampler.stop();
      expect(estimates.down).toBeUndefined();
      const measured = estimates.sim?.tokensPerSecond ?? 0;
      const served = answers.reduce((n, a) => n + (a.usage?.completion_tokens ?? 0), 0);
      expect(estimates.sim?.generatedTokens).toBe(served);
      // Sampling at 100 ms blurs the edges; the order of magnitude is what pricing needs.
      expect(measured).toBeGreaterThan(0.5 * 4 * 200);
      expect(measured).toBeLessThan(1.5 * 4 * 200);
    } finally {
      await server.close();
    }
  });
});
