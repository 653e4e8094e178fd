import type { ChatMessage } from "../method/dspy-layout";
import { parseJudgeChoice, parseTestResultChoice } from "../method/parse-response";
import type { Stage } from "../method/pipeline-records";
import {
  feedbackMessage,
  type JudgedExecution,
  type JudgedSample,
  pairwiseJudgeMessages,
  type TestAwareSample,
  testAwareJudgeMessages,
  testResultChoiceMessages,
} from "../method/prompts";
import type { JudgeChoice, SelectionTools } from "../method/selection";
import { callRole } from "./role-calls";
import { agreesWithPrediction, type RunnableTest, TestSynthesis } from "./test-synthesis";

/**
 * SelectionTools for every selection method: Stage 2's tests (TestSynthesis) plus the judge's
 * pairwise comparisons, grounded in the candidates' real outputs or on code alone.
 */
export class RunSelectionTools extends TestSynthesis implements SelectionTools {
  private shown(output: string, test: RunnableTest): string {
    if (this.o.hidePredictedOutputs || test.predicted === undefined) return output;
    // The reference shows the judge its whole feedback message, predicted output included.
    const failed = output.startsWith("Error:");
    return feedbackMessage({
      input: test.input,
      expected: test.predicted,
      output,
      error: failed ? output.slice(7, -1) : undefined,
      killed: output === "Error: Time out!",
      passed: !failed && agreesWithPrediction(output, test.predicted, this.o.problem.kind),
    });
  }

  private async ask(stage: Stage, messages: ChatMessage[]): Promise<string> {
    const call = await callRole(
      this.o.llm,
      this.o.config,
      "judge",
      stage,
      this.o.problem.id,
      messages,
      ["judge"],
      this.o.payer,
    );
    this.addUsage(call);
    return call.texts[0] ?? "";
  }

  /** One judgment per order; `messagesFor(first, second)` lays out the pair in that order. */
  private async judgeBothOrders<T>(
    stage: Stage,
    sampleA: T,
    sampleB: T,
    messagesFor: (pair: [T, T]) => ChatMessage[],
  ): Promise<[JudgeChoice, JudgeChoice]> {
    const judge = async (pair: [T, T]): Promise<JudgeChoice> => {
      const choice = parseJudgeChoice(await this.ask(stage, messagesFor(pair)));
      return choice.ok ? choice.value : undefined;
    };
    return Promise.all([judge([sampleA, sampleB]), judge([sampleB, sampleA])]);
  }

  private pairwise(stage: Stage, sampleA: JudgedSample, sampleB: JudgedSample) {
    return this.judgeBothOrders(stage, sampleA, sampleB, (pair) =>
      pairwiseJudgeMessages(this.o.problem, pair),
    );
  }

  async adaptiveJudgment(a: number, b: number): Promise<[JudgeChoice, JudgeChoice]> {
    const tests = await this.adaptiveTests(a, b);
    const [outA, outB] = await Promise.all([
      this.outputs(a, tests, "adaptive_inputs"),
      this.outputs(b, tests, "adaptive_inputs"),
    ]);
    const executions = (outputs: string[]): JudgedExecution[] =>
      tests.map((t, i) => ({ input: t.input, shown: this.shown(outputs[i] ?? "", t) }));
    return this.pairwise(
      "judge",
      { code: this.o.codes.get(a) ?? "", executions: executions(outA) },
      { code: this.o.codes.get(b) ?? "", executions: executions(outB) },
    );
  }

  async testAwareJudgment(a: number, b: number, test: number): Promise<[JudgeChoice, JudgeChoice]> {
    const tests = await this.generatedTests();
    const outputs = await this.outputsOnGeneratedTests([a, b]);
    const sample = (c: number): TestAwareSample => ({
      code: this.o.codes.get(c) ?? "",
      output: outputs.get(c)?.[test] ?? "",
    });
    return this.judgeBothOrders("judge", sample(a), sample(b), (pair) =>
      testAwareJudgeMessages(this.o.problem, tests[test]?.input ?? "", pair),
    );
  }

  codeOnlyJudgment(a: number, b: number): Promise<[JudgeChoice, JudgeChoice]> {
    return this.pairwise(
      "fallback_judge",
      { code: this.o.codes.get(a) ?? "" },
      { code: this.o.codes.get(b) ?? "" },
    );
  }

  async oneOrderJudgment(a: number, b: number): Promise<0 | 1 | undefined> {
    const messages = pairwiseJudgeMessages(
      this.o.problem,
      [{ code: this.o.codes.get(a) ?? "" }, { code: this.o.codes.get(b) ?? "" }],
      { orders: "one" },
    );
    const choice = parseJudgeChoice(await this.ask("fallback_judge", messages));
    // The reference asserts the answer is 0 or 1; a tie answer scores nobody, as its except does.
    return choice.ok && choice.value !== 2 ? choice.value : undefined;
  }

  async testResultChoice(test: number, representatives: number[]): Promise<number | undefined> {
    const tests = await this.generatedTests();
    const outputs = await this.outputsOnGeneratedTests(representatives);
    const shown = representatives.map((c) => outputs.get(c)?.[test] ?? "");
    const messages = testResultChoiceMessages(this.o.problem, tests[test]?.input ?? "", shown);
    const choice = parseTestResultChoice(await this.ask("judge", messages), shown.length);
    return choice.ok ? choice.value : undefined;
  }
}
