import { describe, expect, it } from "vitest";
import { parseDspySections } from "../method/dspy-layout";
import {
  debugTrace,
  feedbackString,
  generationMessages,
  pairwiseJudgeMessages,
  RAW_INSTRUCTION,
  samplesWithIdx,
  selfDebugMessages,
  testAwareJudgeMessages,
  testResultChoiceMessages,
} from "../method/prompts";

const stdinProblem = { content: "Read n and print n+1.", kind: "stdin" as const };

describe("the DSPy ChatAdapter layout", () => {
  it("describes the fields, shows the section structure and asks for reasoning then code", () => {
    const [system, user] = generationMessages(stdinProblem, "dspy");
    expect(system?.role).toBe("system");
    expect(system?.content).toMatch(
      /^Your input fields are:\n1\. `prompt` \(str\)\n\nYour output fields are:\n1\. `reasoning` \(str\)\n2\. `code` \(str\): Executable Python function/,
    );
    expect(system?.content).toContain(
      "[[ ## prompt ## ]]\n{prompt}\n\n[[ ## reasoning ## ]]\n{reasoning}\n\n[[ ## code ## ]]\n{code}\n\n[[ ## completed ## ]]",
    );
    expect(system?.content).toMatch(
      /your objective is: \n {8}Given the fields `prompt`, produce the fields `code`\.$/,
    );
    expect(user?.content).toBe(
      "[[ ## prompt ## ]]\nRead n and print n+1.\n\nRespond with the corresponding output fields, starting with the field `[[ ## reasoning ## ]]`, then `[[ ## code ## ]]`, and then ending with the marker for `[[ ## completed ## ]]`.",
    );
  });

  it("keeps the reference's description spacing (a Python line continuation)", () => {
    const [system] = generationMessages({ ...stdinProblem, kind: "call" }, "dspy");
    expect(system?.content).toContain(
      `prompt.  ${" ".repeat(21)}DO NOT include anything other than function body!`,
    );
  });

  it("parses sections back, and falls back to a JSON object", () => {
    expect(
      parseDspySections("[[ ## reasoning ## ]]\nwhy\n\n[[ ## code ## ]]\nprint(1)\n\n[[ ## completed ## ]]", [
        "code",
      ]),
    ).toEqual({
      reasoning: "why",
      code: "print(1)",
      completed: "",
    });
    expect(parseDspySections('{"reasoning": "r", "code": "x=1"}', ["code"])).toEqual({
      reasoning: "r",
      code: "x=1",
    });
    expect(parseDspySections("no sections", ["code"])).toBeUndefined();
  });
});

describe("the raw chat layout", () => {
  it("concatenates the instruction and the statement without a separator", () => {
    expect(generationMessages(stdinProblem, "raw")).toEqual([
      { role: "user", content: `${RAW_INSTRUCTION.stdin}Read n and print n+1.` },
    ]);
    expect(generationMessages(stdinProblem, "raw", { systemPrompt: "You are Qwen." })[0]).toEqual({
      role: "system",
      content: "You are Qwen.",
    });
  });
});

describe("self-debugging", () => {
  const feedback = feedbackString([
    { input: "1", expected: "2", output: "2", passed: true },
    { input: "5", expected: "6", output: "7", passed: false },
    { input: "x", expected: "?", error: "ValueError", passed: false },
    { input: "9", expected: "10", killed: true, passed: false },
  ]);

  it("reports every public test in the reference's wording", () => {
    expect(feedback).toBe(
      "[Test 0 - ]For test input: 1. Expected output is: 2, your solution correctly passes this test with output 2.\n" +
        "[Test 1 - ]For test input: 5. Expected output is: 6, but got: 7.\n" +
        "[Test 2 - ]For test input: x. Expected output is: ?, but got error: ValueError.\n" +
        "[Test 3 - ]Time out!.\n",
    );
  });

  it("accumulates rounds (context all) or keeps the last one as round 0 (context last)", () => {
    const rounds = [
      { reasoning: "r0", code: "c0", feedback: "f0" },
      { reasoning: "r1", code: "c1", feedback: "f1" },
    ];
    expect(debugTrace("Q", rounds, { context: "all", includeReasoning: true })).toBe(
      "Q\n [Round 0 Reasoning]: r0 \n\n [Round 0 Generated code]: c0 \n[Round 0 Test Feedback]: f0" +
        "\n [Round 1 Reasoning]: r1 \n\n [Round 1 Generated code]: c1 \n[Round 1 Test Feedback]: f1",
    );
    expect(debugTrace("Q", rounds, { context: "last", includeReasoning: false })).toBe(
      "Q\n [Round 0 Generated code]: c1 \n[Round 0 Test Feedback]: f1",
    );
    expect(selfDebugMessages("TRACE")[1]?.content).toMatch(/^\[\[ ## prompt ## \]\]\nTRACE\n/);
  });
});

describe("pairwise judging", () => {
  it("lays out code and execution outputs per sample", () => {
    expect(
      samplesWithIdx([
        { code: "A", executions: [{ input: "1", shown: "2" }] },
        { code: "B", executions: [{ input: "1", shown: "3" }] },
      ]),
    ).toBe(
      "\n[Sample 0]: ### Code ### \n A\n### Execution outputs ###\n\n[Test input]: 1\n[Output]: 2\n" +
        "\n[Sample 1]: ### Code ### \n B\n### Execution outputs ###\n\n[Test input]: 1\n[Output]: 3\n",
    );
  });

  it("lays out code-only samples as the reference's code-only judges do", () => {
    expect(samplesWithIdx([{ code: "A" }, { code: "B" }])).toBe("\n[Sample 0]: A \n\n[Sample 1]: B \n");
    const one = pairwiseJudgeMessages(stdinProblem, [{ code: "A" }, { code: "B" }], { orders: "one" });
    expect(one[0]?.content).toContain("(0 for the first sample, 1 for the second sample).");
    expect(one[0]?.content).not.toContain("2 if they are equally good/bad");
  });

  it("lays out Table 3's judgment: the shared input, then each sample's code and output", () => {
    const [system, user] = testAwareJudgeMessages(stdinProblem, "5", [
      { code: "A", output: "6" },
      { code: "B", output: "7" },
    ]);
    expect(system?.content).toContain("Hint: These samples can be tricky!");
    expect(user?.content).toContain(
      "[[ ## samples_with_idx ## ]]\n\n[Test input]: 5 \n\n[Sample 0]: ### Code ### \n A \n ### Execution output ### 6 \n\n[Sample 1]: ### Code ### \n B \n ### Execution output ### 7 \n\n\nRespond",
    );
  });

  it("asks generated_tests_majority_llm's question with the input and each distinct output", () => {
    const [system, user] = testResultChoiceMessages(stdinProblem, "5", ["6", "Error: boom"]);
    expect(system?.content).toContain("`best_idx`");
    expect(system?.content).toContain("simply return -1 to me.");
    expect(user?.content).toContain(
      "[Test input]: 5 \n\n[Test result 0]: 6 \n\n[Test result 1]: Error: boom \n",
    );
  });

  it("uses the test-aware description only when executions are shown", () => {
    const grounded = pairwiseJudgeMessages(stdinProblem, [
      { code: "A", executions: [] },
      { code: "B", executions: [] },
    ]);
    const codeOnly = pairwiseJudgeMessages(stdinProblem, [{ code: "A" }, { code: "B" }]);
    expect(grounded[0]?.content).toContain("Hint: These samples can be tricky!");
    expect(codeOnly[0]?.content).not.toContain("Hint:");
    expect(codeOnly[0]?.content).toContain("produce the fields `best_sample_idx`");
  });
});
