import { describe, expect, it } from "vitest";
import { fencedBlocks, looksLikePython, unfencedProgram } from "../method/code-extraction";
import { extractProgram } from "../method/parse-response";

const PROGRAM = "class Solution:\n    def maxSum(self, nums, k):\n        return sum(nums) * k";

const code = (answer: string, layout: "dspy" | "raw" = "raw") => {
  const parsed = extractProgram(answer, layout);
  return parsed.ok ? parsed.value.code : `UNPARSABLE: ${parsed.reason}`;
};

describe("the program in what real models answer", () => {
  it.each([
    ["a python fence", `Here it is.\n\`\`\`python\n${PROGRAM}\n\`\`\``],
    ["a py fence", `\`\`\`py\n${PROGRAM}\n\`\`\``],
    ["a Python3 fence", `\`\`\`Python3\n${PROGRAM}\n\`\`\``],
    ["a bare fence", `\`\`\`\n${PROGRAM}\n\`\`\``],
    ["a tilde fence", `~~~python\n${PROGRAM}\n~~~`],
    ["prose after the code", `\`\`\`python\n${PROGRAM}\n\`\`\`\n\nThis runs in O(n) time. It sums once.`],
    ["an example block after the code", `\`\`\`python\n${PROGRAM}\n\`\`\`\nFor example:\n\`\`\`\n12\n\`\`\``],
    [
      "a <think> block first",
      `<think>\nmaybe \`\`\`python\nwrong()\n\`\`\`\n</think>\n\`\`\`python\n${PROGRAM}\n\`\`\``,
    ],
    ["no fence at all", `Here is my solution:\n\n${PROGRAM}\n\nThis runs in O(n) time.`],
    ["markdown to a DSPy prompt", `I will sum.\n\n\`\`\`python\n${PROGRAM}\n\`\`\``],
    ["a four-backtick fence", `\`\`\`\`python\n${PROGRAM}\n\`\`\`\``],
  ])("%s", (_name, answer) => {
    expect(code(answer)).toBe(PROGRAM);
    expect(code(answer, "dspy")).toBe(PROGRAM);
  });

  it("a DSPy code field without a fence, prose around it", () => {
    const answer = `[[ ## reasoning ## ]]\nSum.\n\n[[ ## code ## ]]\nSure:\n${PROGRAM}\nDone, that is all.\n\n[[ ## completed ## ]]`;
    expect(code(answer, "dspy")).toBe(PROGRAM);
  });

  it("a stdin program with a main guard, unfenced, keeps its last line", () => {
    const program =
      'import sys\n\ndef main():\n    print(sum(map(int, sys.stdin.read().split())))\n\nif __name__ == "__main__":\n    main()';
    expect(code(`Solution:\n${program}\n`)).toBe(program);
  });

  it("an answer cut off inside its fence keeps what was written (it will not compile)", () => {
    expect(code("```python\nclass Solution:\n    def maxSum(self, nums")).toBe(
      "class Solution:\n    def maxSum(self, nums",
    );
    expect(fencedBlocks("```python\nx = 1")).toEqual([
      { lang: "python", body: "x = 1", start: 0, closed: false },
    ]);
  });

  it("an empty answer or pure prose is unparsable, with the reason", () => {
    expect(code("")).toBe("UNPARSABLE: the answer is empty");
    expect(code("<think>I ran out of tokens")).toBe("UNPARSABLE: the answer is empty");
    expect(code("I cannot solve this problem, sorry.")).toMatch(/^UNPARSABLE: no fenced code block/);
  });

  it("tells code from example data", () => {
    expect(looksLikePython("12\n3 4")).toBe(false);
    expect(looksLikePython("n = int(input())\nprint(n)")).toBe(true);
    expect(unfencedProgram("The answer is 3.")).toBeUndefined();
  });
});
