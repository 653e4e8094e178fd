import { describe, expect, it } from "vitest";
import {
  extractProgram,
  parseGeneratedTests,
  parseJudgeChoice,
  parseTestResultChoice,
} from "../method/parse-response";
import {
  adaptiveInputsMessages,
  debugTrace,
  feedbackString,
  generationMessages,
  pairwiseJudgeMessages,
  selfDebugMessages,
  testAwareJudgeMessages,
  testInputsMessages,
  testResultChoiceMessages,
  timeoutInputMessages,
} from "../method/prompts";
import { DEFAULT_BEHAVIOUR } from "../simulator/behaviour/behaviour-config";
import { CodeModelResponder } from "../simulator/behaviour/code-model-responder";
import type { KnownProblem } from "../simulator/behaviour/program-bank";
import { classifyRequest } from "../simulator/behaviour/request-role";
import { StaticProgramBank } from "../simulator/behaviour/static-program-bank";
import type { ChatMessage, SimulatedRequest } from "../simulator/responder";

const problem: KnownProblem = {
  id: "p1",
  content: "Given an array nums, return the sum of its elements. Constraints: 1 <= len(nums) <= 10^5.",
  difficulty: "medium",
  kind: "call",
  funcName: "total",
  publicTests: [{ input: "[1, 2]", expected: "3" }],
  privateTests: Array.from({ length: 20 }, (_, i) => ({ input: `[${i}, ${i}]`, expected: `${2 * i}` })),
};
const RIGHT = "class Solution:\n    def total(self, nums):\n        return sum(nums)";
const WRONG = "class Solution:\n    def total(self, nums):\n        return sum(nums) + 1";
const bank = new StaticProgramBank().add(problem.id, [
  { program: RIGHT, correct: true, failingTests: [] },
  { program: WRONG, correct: false, failingTests: [0, 1, 2, 3], kind: "off_by_one" },
]);
const responder = new CodeModelResponder([problem], bank, DEFAULT_BEHAVIOUR, 7);
const prompt = { content: problem.content, kind: "call" as const };

let counter = 0;
function ask(messages: ChatMessage[], seed?: number): ReturnType<CodeModelResponder["respond"]> {
  const request: SimulatedRequest = {
    requestId: `r${counter++}`,
    endpoint: "chat",
    model: "m",
    messages,
    seed,
  };
  return responder.respond(request, 0);
}

describe("recognising the request's role from the prompt's structure", () => {
  it.each([
    ["generate (dspy)", generationMessages(prompt, "dspy"), "generate"],
    ["generate (raw)", generationMessages(prompt, "raw"), "generate"],
    ["refine", selfDebugMessages("trace"), "refine"],
    ["test inputs", testInputsMessages(prompt), "test_inputs"],
    ["adaptive inputs", adaptiveInputsMessages(prompt, "a", "b"), "adaptive_inputs"],
    ["timeout input", timeoutInputMessages(prompt), "timeout_input"],
    [
      "judge with execution",
      pairwiseJudgeMessages(prompt, [
        { code: "a", executions: [] },
        { code: "b", executions: [] },
      ]),
      "judge_with_execution",
    ],
    ["judge code only", pairwiseJudgeMessages(prompt, [{ code: "a" }, { code: "b" }]), "judge_code_only"],
    [
      "judge code only, one order",
      pairwiseJudgeMessages(prompt, [{ code: "a" }, { code: "b" }], { orders: "one" }),
      "judge_code_only",
    ],
    [
      "test-aware judge",
      testAwareJudgeMessages(prompt, "[1]", [
        { code: "a", output: "1" },
        { code: "b", output: "2" },
      ]),
      "judge_with_execution",
    ],
    ["test result choice", testResultChoiceMessages(prompt, "[1]", ["1", "2"]), "test_result_choice"],
  ])("%s", (_name, messages, role) => {
    expect(classifyRequest(messages).role).toBe(role);
  });
});

describe("the simulated code model", () => {
  it("generates correct programs with probability p for the difficulty", () => {
    const draws = 2000;
    let correct = 0;
    for (let s = 0; s < draws; s++) {
      const answer = ask(generationMessages(prompt, "dspy"), s);
      const parsed = extractProgram(answer.text, "dspy");
      expect(parsed.ok).toBe(true);
      if (parsed.ok && parsed.value.code === RIGHT) correct++;
    }
    // Binomial sd at n=2000, p=0.45 is about 0.011: a 0.035 band is beyond 3 sd.
    expect(Math.abs(correct / draws - DEFAULT_BEHAVIOUR.pCorrect.medium)).toBeLessThan(0.035);
  });

  it("fixes a failing program with probability q", () => {
    const trace = debugTrace(problem.content, [{ code: WRONG, feedback: feedbackString([]) }], {
      context: "all",
      includeReasoning: false,
    });
    const draws = 2000;
    let fixed = 0;
    for (let s = 0; s < draws; s++) {
      const parsed = extractProgram(ask(selfDebugMessages(trace), s).text, "dspy");
      if (parsed.ok && parsed.value.code === RIGHT) fixed++;
    }
    expect(Math.abs(fixed / draws - DEFAULT_BEHAVIOUR.qFix)).toBeLessThan(0.035);
  });

  it("picks the correct program with probability r when exactly one is correct", () => {
    const draws = 2000;
    let right = 0;
    let unparsable = 0;
    for (let s = 0; s < draws; s++) {
      const order = s % 2 === 0 ? [RIGHT, WRONG] : [WRONG, RIGHT];
      const messages = pairwiseJudgeMessages(prompt, [
        { code: order[0] as string },
        { code: order[1] as string },
      ]);
      const choice = parseJudgeChoice(ask(messages, s).text);
      if (!choice.ok) unparsable++;
      else if (choice.value === (s % 2 === 0 ? 0 : 1)) right++;
    }
    expect(Math.abs(right / (draws - unparsable) - DEFAULT_BEHAVIOUR.rJudge)).toBeLessThan(0.035);
    expect(unparsable / draws).toBeLessThan(DEFAULT_BEHAVIOUR.unparsableJudgeRate + 0.02);
  });

  it("reads the codes of every judge layout: code-only, one-order (never a tie) and test-aware", () => {
    let right = 0;
    let ties = 0;
    const draws = 400;
    for (let s = 0; s < draws; s++) {
      const wrongFirst = s % 2 === 0;
      const pair: [{ code: string }, { code: string }] = wrongFirst
        ? [{ code: WRONG }, { code: RIGHT }]
        : [{ code: RIGHT }, { code: WRONG }];
      const answer = ask(pairwiseJudgeMessages(prompt, pair, { orders: "one" }), s);
      expect(answer.outcome).not.toBe("judged_tie_or_unknown");
      const choice = parseJudgeChoice(answer.text);
      if (choice.ok && choice.value === 2) ties++;
      if (choice.ok && choice.value === (wrongFirst ? 1 : 0)) right++;
    }
    expect(ties).toBe(0);
    expect(right / draws).toBeGreaterThan(DEFAULT_BEHAVIOUR.rJudge - 0.1);
    const aware = ask(
      testAwareJudgeMessages(prompt, '{"nums": [1, 2]}', [
        { code: WRONG, output: "4" },
        { code: RIGHT, output: "3" },
      ]),
      5,
    );
    expect(["judged_right", "judged_wrong", "unparsable"]).toContain(aware.outcome);
  });

  it("names the right output on a generated input with probability r, and -1 or a guess when it cannot know", () => {
    let right = 0;
    const draws = 400;
    for (let s = 0; s < draws; s++) {
      const outputs = s % 2 === 0 ? ["4", "3"] : ["3", "4"];
      const answer = ask(testResultChoiceMessages(prompt, '{"nums": [1, 2]}', outputs), s);
      const choice = parseTestResultChoice(answer.text, 2);
      expect(choice.ok).toBe(true);
      if (choice.ok && outputs[choice.value] === "3") right++;
    }
    expect(Math.abs(right / draws - DEFAULT_BEHAVIOUR.rJudge)).toBeLessThan(0.07);
    const unknown = ask(testResultChoiceMessages(prompt, '{"nums": [9, 9, 9]}', ["1", "2"]), 1);
    expect(unknown.outcome).toBe("picked_unknown");
    expect(parseTestResultChoice(unknown.text, 2).ok).toBe(true);
  });

  it("writes well-formed test inputs, mostly from the hidden tests, with the function's parameter names", () => {
    const parsed = parseGeneratedTests(ask(testInputsMessages(prompt), 1).text, "call");
    expect(parsed.ok).toBe(true);
    if (parsed.ok)
      expect(
        parsed.value.every((t) => typeof t.input === "object" && t.input !== null && "nums" in t.input),
      ).toBe(true);
  });

  it("proposes inputs that tell the two programs apart", () => {
    const answer = ask(adaptiveInputsMessages(prompt, RIGHT, WRONG), 3);
    const parsed = parseGeneratedTests(answer.text, "call");
    expect(parsed.ok).toBe(true);
    const inputs = parsed.ok
      ? parsed.value.map((t) => JSON.stringify((t.input as { nums: unknown }).nums))
      : [];
    // Tests 0-3 (the public test and hidden tests 0-2) are the ones only WRONG fails.
    expect(
      inputs.filter((i) => ["[1,2]", "[0,0]", "[1,1]", "[2,2]"].includes(i)).length,
    ).toBeGreaterThanOrEqual(3);
  });

  it("answers the same request the same way, and different seeds differently", () => {
    const messages = generationMessages(prompt, "raw");
    expect(ask(messages, 11).text).toBe(ask(messages, 11).text);
    const texts = new Set(Array.from({ length: 20 }, (_, s) => ask(messages, s).text));
    expect(texts.size).toBeGreaterThan(1);
  });

  it("gives an unknown problem a plausible wrong answer", () => {
    const answer = ask(
      generationMessages({ content: "Count the vowels in a word.", kind: "stdin" }, "raw"),
      1,
    );
    expect(answer.problemId).toBeUndefined();
    expect(extractProgram(answer.text, "raw").ok).toBe(true);
  });
});

describe("the behaviour configuration", () => {
  it("fills defaults and names a bad key", async () => {
    const { parseBehaviourConfig } = await import("../simulator/behaviour/behaviour-config");
    expect(parseBehaviourConfig({ pCorrect: { hard: 0.5 } }, "sim.yaml").pCorrect).toEqual({
      ...DEFAULT_BEHAVIOUR.pCorrect,
      hard: 0.5,
    });
    expect(() => parseBehaviourConfig({ qFix: 2 }, "sim.yaml")).toThrow(
      /^sim\.yaml: behaviour\.qFix: Too big/,
    );
    expect(() => parseBehaviourConfig({ qfix: 0.2 }, "sim.yaml")).toThrow(
      /sim\.yaml: behaviour: Unrecognized key: "qfix"/,
    );
  });
});
