import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatMessage } from "../method/dspy-layout";
import { extractProgram, parseJudgeChoice } from "../method/parse-response";
import { debugTrace, generationMessages, pairwiseJudgeMessages, selfDebugMessages } from "../method/prompts";
import { DEFAULT_BEHAVIOUR } from "../simulator/behaviour/behaviour-config";
import { CodeModelResponder } from "../simulator/behaviour/code-model-responder";
import type { KnownProblem } from "../simulator/behaviour/program-bank";
import { StaticProgramBank } from "../simulator/behaviour/static-program-bank";
import { createSimulatorServer, type SimulatorServer } from "../simulator/server";

const problem: KnownProblem = {
  id: "hard-1",
  content: "Return the number of inversions in the array nums. 1 <= len(nums) <= 10^5.",
  difficulty: "hard",
  kind: "call",
  funcName: "inversions",
  publicTests: [{ input: "[2, 1]", expected: "1" }],
  privateTests: [{ input: "[3, 2, 1]", expected: "3" }],
};
const RIGHT =
  "class Solution:\n    def inversions(self, nums):\n        return sum(a > b for i, a in enumerate(nums) for b in nums[i + 1:])";
const WRONG =
  "class Solution:\n    def inversions(self, nums):\n        return sum(a >= b for i, a in enumerate(nums) for b in nums[i + 1:])";
const prompt = { content: problem.content, kind: "call" as const };

/** Draws per probability: 8 requests of n=100; the tolerance is over 3 standard deviations at n=800. */
const REQUESTS = 8;
const PER_REQUEST = 100;
const TOLERANCE = 0.06;

describe("the simulated code model through the openai client", () => {
  let server: SimulatorServer;
  let client: OpenAI;
  beforeAll(async () => {
    const bank = new StaticProgramBank().add(problem.id, [
      { program: RIGHT, correct: true, failingTests: [] },
      { program: WRONG, correct: false, failingTests: [0, 1], kind: "flipped_comparison" },
    ]);
    server = createSimulatorServer({
      responder: new CodeModelResponder([problem], bank, DEFAULT_BEHAVIOUR, 5),
      config: { models: ["sim"], seed: 5, latency: "zero", fixedCreated: 1_700_000_000 },
    });
    const { url } = await server.listen(0, "127.0.0.1");
    client = new OpenAI({ baseURL: url, apiKey: "x", maxRetries: 0 });
  });
  afterAll(async () => {
    await server?.close();
  });

  async function draw(messages: ChatMessage[]): Promise<string[]> {
    const texts: string[] = [];
    for (let seed = 0; seed < REQUESTS; seed++) {
      const completion = await client.chat.completions.create({
        model: "sim",
        messages,
        n: PER_REQUEST,
        seed,
        max_tokens: 4000,
      });
      texts.push(...completion.choices.map((c) => c.message.content ?? ""));
    }
    return texts;
  }

  const share = (hits: number, total: number) => hits / total;

  it("writes correct programs with probability p for the problem's difficulty", async () => {
    const texts = await draw(generationMessages(prompt, "dspy"));
    const correct = texts.filter((t) => {
      const parsed = extractProgram(t, "dspy");
      return parsed.ok && parsed.value.code === RIGHT;
    }).length;
    expect(Math.abs(share(correct, texts.length) - DEFAULT_BEHAVIOUR.pCorrect.hard)).toBeLessThan(TOLERANCE);
  });

  it("fixes a failing program with probability q", async () => {
    const trace = debugTrace(
      problem.content,
      [{ code: WRONG, feedback: "[Test 0 - ]For test input: [2, 1]. Expected output is: 1, but got: 2.\n" }],
      {
        context: "all",
        includeReasoning: false,
      },
    );
    const texts = await draw(selfDebugMessages(trace));
    const fixed = texts.filter((t) => {
      const parsed = extractProgram(t, "dspy");
      return parsed.ok && parsed.value.code === RIGHT;
    }).length;
    expect(Math.abs(share(fixed, texts.length) - DEFAULT_BEHAVIOUR.qFix)).toBeLessThan(TOLERANCE);
  });

  it("prefers the correct program with probability r", async () => {
    const texts = await draw(pairwiseJudgeMessages(prompt, [{ code: WRONG }, { code: RIGHT }]));
    const choices = texts.map(parseJudgeChoice);
    const parsed = choices.filter((c) => c.ok);
    const right = parsed.filter((c) => c.ok && c.value === 1).length;
    expect(Math.abs(share(right, parsed.length) - DEFAULT_BEHAVIOUR.rJudge)).toBeLessThan(TOLERANCE);
    expect(
      Math.abs(share(texts.length - parsed.length, texts.length) - DEFAULT_BEHAVIOUR.unparsableJudgeRate),
    ).toBeLessThan(0.03);
  });

  it("gives byte-identical responses for the same seed", async () => {
    const ask = () =>
      client.chat.completions.create({
        model: "sim",
        messages: generationMessages(prompt, "raw"),
        n: 3,
        seed: 99,
      });
    const [a, b] = await Promise.all([ask(), ask()]);
    expect(JSON.stringify(a.choices)).toBe(JSON.stringify(b.choices));
    expect(a.usage).toEqual(b.usage);
  });
});
