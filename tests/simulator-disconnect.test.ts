import { connect } from "node:net";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import type { Responder } from "../simulator/responder";
import { createSimulatorServer } from "../simulator/server";
import type { SimConfigInput } from "../simulator/sim-config";

const responder: Responder = {
  respond: () => ({ text: "tok ".repeat(50).trimEnd(), role: "generate", outcome: "sized" }),
};

/** Sends a whole chat request on a raw connection and closes it at once, as a killed client would. */
function requestAndDisconnect(url: string): Promise<void> {
  const { hostname, port } = new URL(url);
  const body = JSON.stringify({ model: "sstar-sim", messages: [{ role: "user", content: "hello" }] });
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        `POST /v1/chat/completions HTTP/1.1\r\nhost: sim\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      socket.destroy();
      resolve();
    });
    socket.once("error", reject);
  });
}

const settings: [string, SimConfigInput][] = [
  ["zero latency", { latency: "zero" }],
  ["the batch timing model", { timing: { prefillTokensPerSecond: 1e6, decodeTokensPerSecond: 1e5 } }],
];

describe("served counters count only delivered responses", () => {
  it.each(settings)(
    "with %s, a request whose client left before the answer is aborted, not served",
    async (_, config) => {
      const server = createSimulatorServer({ responder, config });
      const { url } = await server.listen(0, "127.0.0.1");
      try {
        for (let i = 0; i < 10; i++) await requestAndDisconnect(url);
        const client = new OpenAI({ baseURL: url, apiKey: "x", maxRetries: 0 });
        const answered = await client.chat.completions.create({
          model: "sstar-sim",
          messages: [{ role: "user", content: "hello" }],
        });
        await new Promise((r) => setTimeout(r, 100));
        const stats = server.stats();
        expect(stats.requests).toBe(11);
        expect(stats.aborted).toBe(10);
        expect(stats.byStatus).toEqual({ "200": 1, "499": 10 });
        expect(stats.served).toBe(1);
        expect(stats.promptTokens).toBe(answered.usage?.prompt_tokens);
        expect(stats.completionTokens).toBe(answered.usage?.completion_tokens);
        const metrics = await server.registry.metrics();
        expect(metrics).toMatch(
          new RegExp(`^vllm:generation_tokens_total\\{[^}]*\\} ${stats.completionTokens}$`, "m"),
        );
      } finally {
        await server.close();
      }
    },
  );
});
