import { describe, expect, it } from "vitest";
import { callRole } from "../activities/role-calls";
import { loadRunConfig } from "../config/load-run-config";
import type { CompletionRequest, LlmGateway } from "../llm/llm-gateway";
import type { ActivitySpend } from "../spend/spend-context";

/** Records the cache keys asked for; answers every choice. */
function keyRecorder(): { gateway: LlmGateway; keys: string[] } {
  const keys: string[] = [];
  return {
    keys,
    gateway: {
      async complete(request: CompletionRequest) {
        keys.push(...request.choices.map((c) => c.cacheKey));
        return {
          choices: request.choices.map(() => ({ text: "x", finishReason: "stop", fromCache: false })),
          usage: { prompt: 1, completion: 1, reasoning: 0, cachedPrompt: 0 },
          requests: 1,
          servedFromCache: {
            usage: { prompt: 0, completion: 0, reasoning: 0, cachedPrompt: 0 },
            requests: 0,
          },
          latencyMs: 1,
        };
      },
    },
  };
}

const payer: ActivitySpend = { runId: "r", budgetSetting: "N=1", problemId: "p", activity: "a", attempt: 1 };

async function keyFor(endpoint: string, model: string): Promise<string> {
  const config = loadRunConfig("demo", { endpoint, model });
  const { gateway, keys } = keyRecorder();
  await callRole(
    gateway,
    config,
    "generator",
    "generate",
    "p",
    [{ role: "user", content: "hi" }],
    ["s0"],
    payer,
  );
  return keys[0] as string;
}

describe("the response cache key", () => {
  it("changes with the endpoint's address and the model, so one endpoint never serves another's answers", async () => {
    const a = await keyFor("http://10.0.0.1:8000/v1", "m");
    expect(await keyFor("http://10.0.0.1:8000/v1", "m")).toBe(a);
    expect(await keyFor("http://10.0.0.2:8000/v1", "m")).not.toBe(a);
    expect(await keyFor("http://10.0.0.1:8000/v1", "other-model")).not.toBe(a);
  });
});
