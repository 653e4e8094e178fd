import { describe, expect, it } from "vitest";
import {
  extractProgram,
  parseGeneratedTests,
  parseJudgeChoice,
  parseTestResultChoice,
  postProcessCode,
  stripThinking,
} from "../method/parse-response";

describe("extractProgram", () => {
  it("takes the code section of a DSPy answer, post-processed", () => {
    const answer =
      "[[ ## reasoning ## ]]\nAdd one.\n\n[[ ## code ## ]]\n```python\nprint(int(input())+1)\n```\n\n[[ ## completed ## ]]";
    expect(extractProgram(answer, "dspy")).toEqual({
      ok: true,
      value: { code: "print(int(input())+1)", reasoning: "Add one." },
    });
  });

  it("takes the last fenced block on the raw path, after stripping <think>", () => {
    const answer =
      "<think>```python\nwrong()\n```</think>Plan.\n```python\nfirst()\n```\nBetter:\n```py\nsecond()\n```";
    expect(extractProgram(answer, "raw")).toEqual({
      ok: true,
      value: { code: "second()", reasoning: "Plan.\n```python\nfirst()\n```\nBetter:" },
    });
  });

  it("reports an answer without code as unparsable, never as empty code", () => {
    expect(extractProgram("I cannot solve this.", "raw")).toEqual({
      ok: false,
      reason: "no fenced code block and no Python code",
    });
    expect(
      extractProgram("[[ ## reasoning ## ]]\nx\n[[ ## code ## ]]\n\n[[ ## completed ## ]]", "dspy"),
    ).toEqual({
      ok: false,
      reason: "the code field is empty",
    });
  });

  it("drops an unterminated think block cut by max_tokens", () => {
    expect(stripThinking("<think>long reasoning that never")).toBe("");
  });
});

describe("postProcessCode", () => {
  it("keeps code behind a bare or py fence (the reference returned empty code)", () => {
    expect(postProcessCode("```\nprint(1)\n```")).toBe("print(1)");
    expect(postProcessCode("```py\nprint(2)")).toBe("print(2)");
    expect(postProcessCode("<code>x = 1</code> trailing")).toBe("x = 1");
  });
});

describe("parseJudgeChoice", () => {
  it("reads best_sample_idx", () => {
    expect(
      parseJudgeChoice(
        "[[ ## reasoning ## ]]\nB is right\n\n[[ ## best_sample_idx ## ]]\n1\n\n[[ ## completed ## ]]",
      ),
    ).toEqual({
      ok: true,
      value: 1,
    });
  });
  it("rejects values outside 0, 1, 2 and answers without a number", () => {
    expect(parseJudgeChoice("[[ ## best_sample_idx ## ]]\n3")).toEqual({
      ok: false,
      reason: "best_sample_idx 3 is not 0, 1 or 2",
    });
    expect(parseJudgeChoice("both look fine").ok).toBe(false);
  });
});

describe("parseTestResultChoice", () => {
  it("reads best_idx: an output index or -1 for a broken test", () => {
    expect(parseTestResultChoice("[[ ## best_idx ## ]]\n2\n\n[[ ## completed ## ]]", 3)).toEqual({
      ok: true,
      value: 2,
    });
    expect(parseTestResultChoice("<think>hmm 7</think>[[ ## best_idx ## ]]\n-1", 3)).toEqual({
      ok: true,
      value: -1,
    });
  });
  it("rejects an index past the outputs and answers without a number", () => {
    expect(parseTestResultChoice("[[ ## best_idx ## ]]\n3", 3)).toEqual({
      ok: false,
      reason: "best_idx 3 is not -1 or an output index below 3",
    });
    expect(parseTestResultChoice("none of them", 2).ok).toBe(false);
  });
});

describe("parseGeneratedTests", () => {
  it("splits stdin answers on Input:/Output:", () => {
    const parsed = parseGeneratedTests(
      "[[ ## tests ## ]]\nInput: 1 2\nOutput: 3\nInput:\n5 5\nOutput:\n10\n[[ ## completed ## ]]",
      "stdin",
    );
    expect(parsed).toEqual({
      ok: true,
      value: [
        { input: "1 2\n", output: "3\n" },
        { input: "5 5\n", output: "10\n" },
      ],
    });
  });

  it("reads a JSON array or loose objects for call problems, dropping duplicates and broken objects", () => {
    expect(parseGeneratedTests('```json\n[{"input": {"a": [1]}, "output": 1}]\n```', "call")).toEqual({
      ok: true,
      value: [{ input: { a: [1] }, output: 1 }],
    });
    const loose =
      '{"input": {"a": 1}, "output": 2}\n{"input": oops}\n{"output": 2, "input": {"a": 1}}\n{"input": 7, "output": "}"}';
    expect(parseGeneratedTests(loose, "call")).toEqual({
      ok: true,
      value: [
        { input: { a: 1 }, output: 2 },
        { input: 7, output: "}" },
      ],
    });
  });

  it("reports when nothing parses", () => {
    expect(parseGeneratedTests("no tests here", "call")).toEqual({
      ok: false,
      reason: "no test inputs could be parsed",
    });
  });
});
