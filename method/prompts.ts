import { type ChatMessage, dspyMessages } from "./dspy-layout";

/**
 * The prompts of every S* role, worded as the reference implementation words them (its DSPy
 * signature descriptions, including their odd spacing, are reproduced verbatim for fidelity).
 */

export type PromptLayout = "dspy" | "raw";
export type ProblemKind = "stdin" | "call";

export interface PromptProblem {
  /** The statement: the only problem text the reference shows the model. */
  content: string;
  kind: ProblemKind;
  /** LeetCode's stub (`class Solution: def <func_name>(...)`), shown only when a role asks for it. */
  starterCode?: string;
}

/** LiveCodeBench's own generation prompt's format line for problems with starter code. */
export const STARTER_CODE_FORMAT =
  "You will use the following starter code to write the solution to the problem and enclose your code within delimiters.";

/** The code field's description when the starter code is shown: the stub completed, as LiveCodeBench asks. */
export const CODE_FIELD_DESC_WITH_STARTER =
  "Executable Python code: the given starter code with its method completed (keep the class and the method name). DO NOT give me anything else! ";

/**
 * The problem text a role is shown: the statement, and with `showStarterCode` LiveCodeBench's
 * starter-code section after it (only for problems that have starter code).
 */
export function questionText(problem: PromptProblem, showStarterCode: boolean): string {
  const stub = problem.starterCode?.trim();
  if (!showStarterCode || !stub) return problem.content;
  return `${problem.content}\n\n${STARTER_CODE_FORMAT}\n\`\`\`python\n${stub}\n\`\`\``;
}

const CONTINUATION_22 = " ".repeat(22);
const CONTINUATION_21 = " ".repeat(21);
const CONTINUATION_8 = " ".repeat(8);

export const CODE_FIELD_DESC: Record<ProblemKind, string> = {
  stdin: `Executable Python function generated from the given prompt.  ${CONTINUATION_22}the function should take stdin as input and print the output. Simply call the function after the definition. DO NOT give me anything else! `,
  call: `Executable Python function generated from the given prompt.  ${CONTINUATION_21}DO NOT include anything other than function body! Give me only the function itself! `,
};

export const SELF_DEBUG_DESC =
  "Here is the past history of your code and the test case feedback. Please reason why your code fail in the last round, and correct the code. Do not write non-code content in the code field.";

const JSON_IO_FORMAT = `Provide the input and output in JSON format as follows: ${CONTINUATION_8}{"input": <example_input>, "output": <expected_output>} Ensure the input and output match the types and structure expected for the problem. ${CONTINUATION_8}Do not include any additional text or explanations, just the JSON object.`;

export const TEST_INPUTS_DESC: Record<ProblemKind, string> = {
  stdin:
    "Generate a complete set of potential input and output pair as a list to test an AI-generated solution to the coding problem.  Assume input will be used via stdin and output is caputred stdout. Include (1) Edge cases, such as empty string or arrays, (3) Complex and diffucult inputs, but make sure do not include very long inputs. (3) Other ones that can maximize the chance of catching a bug. Do not give anything else than the input output pair, in the format of Input: input Output: output.",
  call: `Generate a complete set of potential inputs to test an AI-generated solution to the coding problem. Cover: (i) Edge cases, such as empty string or arrays, (ii) Complex and diffucult inputs, but do not include very long inputs. (iii) Other ones that can maximize the chance of catching a bug.  ${JSON_IO_FORMAT}`,
};

export const ADAPTIVE_INPUTS_DESC: Record<ProblemKind, string> = {
  stdin:
    "Generate a complete set of potential input and output pair to test the two given AI-generated solutions to the coding problem.  Assume input will be used via stdin and output is caputred stdout. Include (1) Cases where one implementation may fail but the other succeeds. (2) Edge cases, such as empty string or arrays, (3) Complex and diffucult inputs, but make sure do not include very long inputs. (4) Other ones that can maximize the chance of catching a bug. Do not give anything else than the input output pair, in the format of Input: input Output: output.",
  call: `Generate a complete set of potential inputs to test the two given AI-generated solutions to the coding problem. Cover: (i) Cases where one implementation may fail but the other succeeds.(ii) Edge cases, such as empty string or arrays, (iii) Complex and diffucult inputs, but do not include very long inputs. (iv) Other ones that can maximize the chance of catching a bug. ${JSON_IO_FORMAT}`,
};

/** The reference's "timeout test" request: one Python expression that evaluates to a large input. */
export const TIMEOUT_INPUT_DESC: Record<ProblemKind, string> = {
  stdin: `Generate python code expression to be evaluated to a single long input to test whether an AI-generated solution will timeout to the coding problem. ${CONTINUATION_8}Assume the input will be used via stdin, do not attempt to write out the complete long input, instead, give an input expression directly, and the input expression should be evaluated directly to a string representation of the stdin input. Do not name the expressions. ${CONTINUATION_8}The length of the input should not exceed the upper limit sepcified in prompt. Do not give anything else (names, comments) than the input expression.`,
  call: `Generate python code expression to be evaluated to a single long input to test whether an AI-generated solution will timeout to the coding problem. ${CONTINUATION_8}The input expression should be evaluated to the same type as the input provided in the prompt. ${CONTINUATION_8}Do not attempt to write out the expression, but simply give a short expression to be evluated to the long actual input. Please do not give the expression a name. The length of the input should not exceed the upper limit sepcified in prompt.Do not give anything else (names, comments) than the single input expression.`,
};

export const JUDGE_CODE_ONLY_DESC =
  "Given the prompt, an AI have generated two candidates. Please compare these two candidates carefully, and return the index of the best sample (0 for the first sample, 1 for the second sample, 2 if they are equally good/bad).";

/** The one-order judge (`LLMSelectPairwise`): no tie answer. */
export const JUDGE_ONE_ORDER_DESC =
  "Given the prompt, an AI have generated two candidates. Please compare these two candidates carefully, and return the index of the best sample (0 for the first sample, 1 for the second sample).";

/** `generated_tests_majority_llm`'s question (`LLMSelectWithTestResult`): which output is right, or -1. */
export const TEST_RESULT_CHOICE_DESC =
  "Given the prompt, an AI have generated several code candidates. These code samples are passed through an example test input, and result in several output results. There is only one output that is correct. Please think carefully according to the prompt, and return the index of the best output. The test could also be broken in the sense that all samples result in compile error like missing positional arguments. In this case, simply return -1 to me.";

export const JUDGE_TEST_AWARE_DESC =
  "Given the prompt, an AI have generated two candidates. You will be provided with the code of each candidate, and the execution result of the same given input. Utilize the provided samples and execution output to compare these two candidates carefully, and return the index of the best sample (0 for the first sample, 1 for the second sample, 2 if they are equally good/bad). Hint: These samples can be tricky! First analyze the problem yourself, then analyze the solutions.";

/** The raw-chat path's instruction, concatenated with the statement without a separator. */
export const RAW_INSTRUCTION: Record<ProblemKind, string> = {
  stdin:
    "Generate an executable Python function generated from the given prompt. The function should take stdin as input and print the output. Simply call the function after the definition .",
  call: "Generate an executable Python function generated from the given prompt. Return the function body without invoking it at the final solution.",
};

/** Round 0: write a program for the problem. */
export function generationMessages(
  problem: PromptProblem,
  layout: PromptLayout,
  options: { systemPrompt?: string; showStarterCode?: boolean } = {},
): ChatMessage[] {
  const withStarter = !!options.showStarterCode && !!problem.starterCode?.trim();
  const question = questionText(problem, withStarter);
  if (layout === "raw") {
    // With the stub shown, the reference's "return the function body" would contradict it.
    const instruction = withStarter
      ? `${RAW_INSTRUCTION.stdin.split(".")[0]}. `
      : RAW_INSTRUCTION[problem.kind];
    const user: ChatMessage = { role: "user", content: instruction + question };
    return options.systemPrompt ? [{ role: "system", content: options.systemPrompt }, user] : [user];
  }
  return dspyMessages({
    inputs: [{ name: "prompt", value: question }],
    outputs: [
      { name: "code", desc: withStarter ? CODE_FIELD_DESC_WITH_STARTER : CODE_FIELD_DESC[problem.kind] },
    ],
    chainOfThought: true,
  });
}

/** Rounds 1..R-1: fix the program given the accumulated trace of code and feedback. */
export function selfDebugMessages(trace: string): ChatMessage[] {
  return dspyMessages({
    inputs: [{ name: "prompt", value: trace }],
    outputs: [{ name: "code", desc: SELF_DEBUG_DESC }],
    chainOfThought: true,
  });
}

export interface PublicTestFeedback {
  input: string;
  expected: string;
  /** What the program printed or returned; absent when it raised or was killed. */
  output?: string;
  /** The error it raised; absent when it ran to completion. */
  error?: string;
  killed?: boolean;
  passed: boolean;
}

/** The reference's message for one test: what the debugger reads, and what the S* judge is shown. */
export function feedbackMessage(t: PublicTestFeedback): string {
  if (t.killed) return "Time out!.";
  if (t.error !== undefined)
    return `For test input: ${t.input}. Expected output is: ${t.expected}, but got error: ${t.error}.`;
  if (t.passed)
    return `For test input: ${t.input}. Expected output is: ${t.expected}, your solution correctly passes this test with output ${t.output}.`;
  return `For test input: ${t.input}. Expected output is: ${t.expected}, but got: ${t.output}.`;
}

/** One line per public test, passing and failing alike, in the reference's wording. */
export function feedbackString(tests: PublicTestFeedback[]): string {
  return tests.map((t, i) => `[Test ${i} - ]${feedbackMessage(t)}\n`).join("");
}

export interface DebugRound {
  reasoning?: string;
  code: string;
  feedback: string;
}

/**
 * The self-debug trace. `all`: the question then every round's reasoning, code and feedback.
 * `last`: the question and only the latest round, labelled round 0 (as the reference does).
 */
export function debugTrace(
  question: string,
  rounds: DebugRound[],
  options: { context: "all" | "last"; includeReasoning: boolean },
): string {
  const shown = options.context === "last" ? rounds.slice(-1) : rounds;
  let trace = question;
  shown.forEach((round, i) => {
    const r = options.context === "last" ? 0 : i;
    if (options.includeReasoning) trace += `\n [Round ${r} Reasoning]: ${round.reasoning ?? ""} \n`;
    trace += `\n [Round ${r} Generated code]: ${round.code} \n`;
    trace += `[Round ${r} Test Feedback]: ${round.feedback}`;
  });
  return trace;
}

/** Stage 2 step 1: the test generator writes inputs (with predicted outputs) for the problem. */
export function testInputsMessages(problem: PromptProblem): ChatMessage[] {
  return dspyMessages({
    inputs: [{ name: "prompt", value: problem.content }],
    outputs: [{ name: "tests", desc: TEST_INPUTS_DESC[problem.kind] }],
    chainOfThought: true,
  });
}

/** The `generated_tests` baseline's first step: an expression for one large, timeout-provoking input. */
export function timeoutInputMessages(problem: PromptProblem): ChatMessage[] {
  return dspyMessages({
    inputs: [{ name: "prompt", value: problem.content }],
    outputs: [{ name: "tests", desc: TIMEOUT_INPUT_DESC[problem.kind] }],
    chainOfThought: true,
  });
}

/** Adaptive input synthesis: inputs meant to tell two given programs apart. */
export function adaptiveInputsMessages(problem: PromptProblem, codeA: string, codeB: string): ChatMessage[] {
  return dspyMessages({
    inputs: [
      { name: "prompt", value: problem.content },
      { name: "completionA", value: codeA },
      { name: "completionB", value: codeB },
    ],
    outputs: [{ name: "tests", desc: ADAPTIVE_INPUTS_DESC[problem.kind] }],
    chainOfThought: true,
  });
}

export interface JudgedExecution {
  input: string;
  /** What the judge is shown as the result: the output, or the full feedback message. */
  shown: string;
}

export interface JudgedSample {
  code: string;
  executions?: JudgedExecution[];
}

/**
 * The `samples_with_idx` text of a pairwise judgment, in the reference's layouts: code alone
 * (`[Sample k]: code`, its code-only judges and S*'s fallback), or code with each sample's
 * execution outputs (S*'s adaptive matches).
 */
export function samplesWithIdx(samples: [JudgedSample, JudgedSample]): string {
  return samples
    .map((s, i) => {
      if (!s.executions) return `\n[Sample ${i}]: ${s.code} \n`;
      const runs = s.executions.map((e) => `\n[Test input]: ${e.input}\n[Output]: ${e.shown}\n`).join("");
      return `\n[Sample ${i}]: ### Code ### \n ${s.code}\n### Execution outputs ###\n${runs}`;
    })
    .join("");
}

/**
 * A pairwise judgment: code only (`orders: "one"` asks for 0 or 1, the one-order judge; otherwise
 * 0, 1 or 2, the two-order judges), or grounded in execution results (S*).
 */
export function pairwiseJudgeMessages(
  problem: PromptProblem,
  samples: [JudgedSample, JudgedSample],
  options: { orders?: "both" | "one" } = {},
): ChatMessage[] {
  const grounded = samples.some((s) => s.executions !== undefined);
  const desc = grounded
    ? JUDGE_TEST_AWARE_DESC
    : options.orders === "one"
      ? JUDGE_ONE_ORDER_DESC
      : JUDGE_CODE_ONLY_DESC;
  return dspyMessages({
    inputs: [
      { name: "prompt", value: problem.content },
      { name: "samples_with_idx", value: samplesWithIdx(samples) },
    ],
    outputs: [{ name: "best_sample_idx", desc }],
    chainOfThought: true,
  });
}

/** One sample of Table 3's test-aware judgment: its code and its output on the shared input. */
export interface TestAwareSample {
  code: string;
  output: string;
}

/**
 * Table 3's judge (`LLMSelectPairwiseTestAwareBT`): one generated test input, then each sample's
 * code and its execution output, laid out as the reference does.
 */
export function testAwareJudgeMessages(
  problem: PromptProblem,
  input: string,
  samples: [TestAwareSample, TestAwareSample],
): ChatMessage[] {
  const text =
    `\n[Test input]: ${input} \n` +
    samples
      .map((s, i) => `\n[Sample ${i}]: ### Code ### \n ${s.code} \n ### Execution output ### ${s.output} \n`)
      .join("");
  return dspyMessages({
    inputs: [
      { name: "prompt", value: problem.content },
      { name: "samples_with_idx", value: text },
    ],
    outputs: [{ name: "best_sample_idx", desc: JUDGE_TEST_AWARE_DESC }],
    chainOfThought: true,
  });
}

/** The `test_and_samples_with_idx` text: a generated input and the distinct outputs on it. */
export function testAndResults(input: string, outputs: string[]): string {
  return `\n [Test input]: ${input} \n${outputs.map((o, k) => `\n[Test result ${k}]: ${o} \n`).join("")}`;
}

/** `generated_tests_majority_llm`: which of the distinct outputs on one generated input is right. */
export function testResultChoiceMessages(
  problem: PromptProblem,
  input: string,
  outputs: string[],
): ChatMessage[] {
  return dspyMessages({
    inputs: [
      { name: "prompt", value: problem.content },
      { name: "test_and_samples_with_idx", value: testAndResults(input, outputs) },
    ],
    outputs: [{ name: "best_idx", desc: TEST_RESULT_CHOICE_DESC }],
    chainOfThought: true,
  });
}
