import type { RunConfig } from "../config/run-config";
import type { Problem } from "../datasets/problem";
import { extractProgram } from "../method/parse-response";
import type { SampleRound } from "../method/pipeline-records";
import { feedbackString, type PublicTestFeedback } from "../method/prompts";
import type { SandboxSpendContext } from "../spend/spend-context";
import type { ContentStore } from "../store/content-store";
import type { CachedExecutor } from "./cached-executor";
import { programExecution } from "./program-execution";

/** What a program did on the public tests: counts and the reference's feedback text. */
export interface PublicFeedback {
  passed: number;
  total: number;
  text: string;
  /** The program loaded but had no function to call. */
  noEntryPoint: boolean;
}

/**
 * A sample's round from a model's answer, shared by generation and refinement: the program parsed
 * from the answer (re-asking as configured), stored, and run on the public tests.
 */
export class PublicTestRounds {
  constructor(
    private readonly store: ContentStore,
    private readonly executor: CachedExecutor,
  ) {}

  async feedback(
    problem: Problem,
    code: string,
    config: RunConfig,
    payer: SandboxSpendContext,
  ): Promise<PublicFeedback> {
    const result = await this.executor.execute(
      programExecution(problem, code, problem.publicTests, config, { mode: "grade", stopOnFailure: false }),
      payer,
    );
    const feedback: PublicTestFeedback[] = problem.publicTests.map((t, i) => {
      const r = result.tests[i];
      const killed =
        r?.outcome === "time_limit" || r?.outcome === "memory_limit" || r?.outcome === "output_limit";
      const error =
        lastLine(result.compileError) ??
        (r?.outcome === "runtime_error" ? lastLine(r.error ?? "runtime error") : undefined);
      return {
        input: t.input,
        expected: t.expected,
        output: r?.output?.trim(),
        error,
        killed,
        passed: r?.outcome === "passed",
      };
    });
    return {
      passed: feedback.filter((f) => f.passed).length,
      total: feedback.length,
      text: feedbackString(feedback),
      noEntryPoint: result.loadFailure === "no_entry_point",
    };
  }

  /**
   * Parses an answer into a round. An answer that stays unparsable after the configured re-asks
   * keeps empty code, as the reference's samples do (it then fails its tests), and says why.
   */
  async fromAnswer(
    round: number,
    text: string,
    layout: "dspy" | "raw",
    problem: Problem,
    config: RunConfig,
    reask: (attempt: number) => Promise<string>,
    reasks: number,
    /** Pays for the public-test run, under the stage whose answer it tests (generate or refine). */
    payer: SandboxSpendContext,
  ): Promise<SampleRound> {
    let parsed = extractProgram(text, layout);
    for (let attempt = 1; !parsed.ok && attempt <= reasks; attempt++)
      parsed = extractProgram(await reask(attempt), layout);
    const code = parsed.ok ? parsed.value.code : "";
    const codeRef = await this.store.putText(code);
    const reasoningRef = await this.store.putText(parsed.ok ? parsed.value.reasoning : "");
    const feedback = await this.feedback(problem, code, config, payer);
    return {
      round,
      codeRef,
      reasoningRef,
      ...(parsed.ok ? {} : { parseError: parsed.reason }),
      ...(parsed.ok && feedback.noEntryPoint ? { noEntryPoint: true } : {}),
      publicPassed: feedback.passed,
      publicTotal: feedback.total,
      feedbackRef: await this.store.putText(feedback.text),
    };
  }
}

function lastLine(text: string | undefined): string | undefined {
  return text?.trim().split("\n").at(-1);
}
