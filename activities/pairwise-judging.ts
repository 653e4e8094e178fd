import { parseJudgeChoice } from "../method/parse-response";
import type { Stage } from "../method/pipeline-records";
import {
  feedbackMessage,
  type JudgedExecution,
  type JudgedSample,
  pairwiseJudgeMessages,
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

  private async judgeBothOrders(
    stage: Stage,
    sampleA: JudgedSample,
    sampleB: JudgedSample,
  ): Promise<[JudgeChoice, JudgeChoice]> {
    const ask = async (pair: [JudgedSample, JudgedSample]): Promise<JudgeChoice> => {
      const call = await callRole(
        this.o.llm,
        this.o.config,
        "judge",
        stage,
        this.o.problem.id,
        pairwiseJudgeMessages(this.o.problem, pair),
        ["judge"],
        this.o.payer,
      );
      this.addUsage(call);
      const choice = parseJudgeChoice(call.texts[0] ?? "");
      return choice.ok ? choice.value : undefined;
    };
    return Promise.all([ask([sampleA, sampleB]), ask([sampleB, sampleA])]);
  }

  async adaptiveJudgment(a: number, b: number): Promise<[JudgeChoice, JudgeChoice]> {
    const tests = await this.adaptiveTests(a, b);
    const [outA, outB] = await Promise.all([
      this.outputs(a, tests, "adaptive_inputs"),
      this.outputs(b, tests, "adaptive_inputs"),
    ]);
    const executions = (outputs: string[]): JudgedExecution[] =>
      tests.map((t, i) => ({ input: t.input, shown: this.shown(outputs[i] ?? "", t) }));
    return this.judgeBothOrders(
      "judge",
      { code: this.o.codes.get(a) ?? "", executions: executions(outA) },
      { code: this.o.codes.get(b) ?? "", executions: executions(outB) },
    );
  }

  async testAwareJudgment(a: number, b: number, test: number): Promise<[JudgeChoice, JudgeChoice]> {
    const tests = await this.generatedTests();
    const outputs = await this.outputsOnGeneratedTests([a, b]);
    const on = (c: number): JudgedExecution[] => [
      { input: tests[test]?.input ?? "", shown: outputs.get(c)?.[test] ?? "" },
    ];
    return this.judgeBothOrders(
      "judge",
      { code: this.o.codes.get(a) ?? "", executions: on(a) },
      { code: this.o.codes.get(b) ?? "", executions: on(b) },
    );
  }

  codeOnlyJudgment(a: number, b: number): Promise<[JudgeChoice, JudgeChoice]> {
    return this.judgeBothOrders(
      "fallback_judge",
      { code: this.o.codes.get(a) ?? "" },
      { code: this.o.codes.get(b) ?? "" },
    );
  }
}
