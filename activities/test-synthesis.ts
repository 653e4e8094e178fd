import { type RunConfig, roleConfig } from "../config/run-config";
import type { Problem } from "../datasets/problem";
import type { LlmGateway } from "../llm/llm-gateway";
import { parseDspySections } from "../method/dspy-layout";
import {
  type GeneratedTest,
  parseGeneratedTests,
  postProcessCode,
  stripThinking,
} from "../method/parse-response";
import { mergeUsage, type Stage, type UsageByStage } from "../method/pipeline-records";
import { adaptiveInputsMessages, testInputsMessages, timeoutInputMessages } from "../method/prompts";
import type { SeededRandom } from "../method/seeded-random";
import type { ExecutionResult, TestResult } from "../sandbox/types";
import type { ActivitySpend } from "../spend/spend-context";
import type { CachedExecutor } from "./cached-executor";
import { programExecution } from "./program-execution";
import { callRole, type RoleCallResult } from "./role-calls";

/** A generated test as the runner takes it, with the model's predicted output kept aside. */
export interface RunnableTest {
  input: string;
  predicted?: string;
  /** A call test whose input is one JSON object passed as keyword arguments (the reference's form). */
  keywords?: boolean;
}

/** The reference's test-generation tries per suite before giving up with no tests. */
const TEST_GENERATION_TRIES = 3;

/** The reference tries a test-generation call up to three times, one try per listed temperature. */
export function testGenerationTries(config: RunConfig): number {
  return roleConfig(config, "testGenerator").sampling.tryTemperatures?.length ?? TEST_GENERATION_TRIES;
}

/** The reference asks for three timeout inputs and evaluates each expression within 2 s. */
const TIMEOUT_INPUTS = 3;
const TIMEOUT_EXPRESSION_SEC = 2;

/** Evaluates an LLM-written input expression inside the sandbox: stdin text, or one JSON value. */
const EVALUATE_EXPRESSION = `import sys, json
value = eval(sys.stdin.read())
sys.stdout.write(value if isinstance(value, str) else json.dumps(value))
`;

/** Generated inputs in the runner's form: stdin text, or one JSON value per line (dict values in order). */
export function runnableTest(
  test: GeneratedTest,
  kind: Problem["kind"],
  dictInputs: "keywords" | "positional" = "positional",
): RunnableTest {
  if (kind === "stdin") {
    const input = typeof test.input === "string" ? test.input : JSON.stringify(test.input);
    const predicted =
      test.output === undefined
        ? undefined
        : typeof test.output === "string"
          ? test.output
          : JSON.stringify(test.output);
    return { input, predicted };
  }
  const predicted = test.output === undefined ? undefined : JSON.stringify(test.output);
  const isDict = typeof test.input === "object" && test.input !== null && !Array.isArray(test.input);
  // The reference calls f(**input) for a dict and f(input) for anything else.
  if (isDict && dictInputs === "keywords")
    return { input: JSON.stringify(test.input), predicted, keywords: true };
  const args = isDict ? Object.values(test.input as Record<string, unknown>) : [test.input];
  return {
    input: args.map((a) => JSON.stringify(a)).join("\n"),
    predicted: test.output === undefined ? undefined : JSON.stringify(test.output),
  };
}

/** The reference's output value of a run: stripped stdout / the return value, or `Error: …`. */
export function outputValue(result: TestResult | undefined, compileError?: string): string {
  if (compileError) return `Error: ${lastLine(compileError)}.`;
  if (!result) return "Error: not run.";
  switch (result.outcome) {
    case "ok":
    case "passed":
    case "wrong_answer":
      return (result.output ?? "").trim();
    case "time_limit":
      return "Error: Time out!";
    case "runtime_error":
      return `Error: ${lastLine(result.error ?? "runtime error")}.`;
    default:
      return `Error: ${result.outcome}.`;
  }
}

function lastLine(text: string): string {
  return (
    text
      .trim()
      .split("\n")
      .filter((l) => l.trim())
      .at(-1) ?? text
  ).trim();
}

/** Does an output equal the predicted one? Call outputs are Python reprs; predictions are JSON. */
export function agreesWithPrediction(
  output: string,
  predicted: string | undefined,
  kind: Problem["kind"],
): boolean {
  if (predicted === undefined) return false;
  if (kind === "stdin") return output.trim() === predicted.trim();
  try {
    return output === pythonRepr(JSON.parse(predicted));
  } catch {
    return output === predicted.trim();
  }
}

/** Python's repr of a JSON value (lists, dicts, strings with single quotes, True/False/None). */
export function pythonRepr(value: unknown): string {
  if (value === null) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : pythonFloat(value);
  if (typeof value === "string") return pythonString(value);
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(", ")}]`;
  if (typeof value === "object") {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${pythonString(k)}: ${pythonRepr(v)}`)
      .join(", ")}}`;
  }
  return String(value);
}

function pythonFloat(value: number): string {
  const text = String(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

function pythonString(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\t/g, "\\t");
  return quote + (quote === "'" ? escaped.replace(/'/g, "\\'") : escaped) + quote;
}

export interface SelectionToolsOptions {
  problem: Problem;
  config: RunConfig;
  /** Program text by sample index. */
  codes: Map<number, string>;
  llm: LlmGateway;
  executor: CachedExecutor;
  rng: SeededRandom;
  hidePredictedOutputs: boolean;
  /** The selecting activity: pays for every LLM call and sandbox batch the tools make. */
  payer: ActivitySpend;
}

/**
 * Stage 2's tests, backed by the run's roles and the sandbox: the test generator's inputs, large
 * timeout inputs, adaptive inputs for a pair, and every candidate's outputs on them (which the
 * pure clustering in method/ groups). Everything is memoised, and the LLM and execution caches
 * underneath make repeated asks free across methods and across retries.
 */
export class TestSynthesis {
  readonly rng: SeededRandom;
  usage: UsageByStage = {};
  /** What the calls cost counting those the response cache answered at their price when paid. */
  standaloneUsage: UsageByStage = {};
  /** What was asked and answered, for the problem's record. */
  readonly log: {
    generatedTests?: RunnableTest[];
    timeoutInputs?: string[];
    adaptive: Record<string, RunnableTest[]>;
  } = {
    adaptive: {},
  };
  private tests?: Promise<RunnableTest[]>;
  private timeoutInputs?: Promise<RunnableTest[]>;
  protected readonly runs = new Map<string, Promise<ExecutionResult>>();
  private readonly adaptive = new Map<string, Promise<RunnableTest[]>>();

  /** The log in a fixed order: judgments are asked at once, so pairs finish in any order. */
  record(): TestSynthesis["log"] {
    const pairs = Object.keys(this.log.adaptive).sort();
    return { ...this.log, adaptive: Object.fromEntries(pairs.map((k) => [k, this.log.adaptive[k] ?? []])) };
  }

  constructor(protected readonly o: SelectionToolsOptions) {
    this.rng = o.rng;
  }

  protected addUsage(call: RoleCallResult): void {
    this.usage = mergeUsage(this.usage, { [call.stage]: call.usage });
    this.standaloneUsage = mergeUsage(this.standaloneUsage, { [call.stage]: call.standalone });
  }

  protected generatedTests(): Promise<RunnableTest[]> {
    this.tests ??= (async () => {
      const all: RunnableTest[] = [];
      for (let suite = 0; suite < this.o.config.budget.testSuites; suite++) {
        const tries = testGenerationTries(this.o.config);
        for (let attempt = 0; attempt < tries; attempt++) {
          const call = await callRole(
            this.o.llm,
            this.o.config,
            "testGenerator",
            "test_inputs",
            this.o.problem.id,
            testInputsMessages(this.o.problem),
            [`suite${suite}:try${attempt}`],
            this.o.payer,
            attempt,
          );
          this.addUsage(call);
          const parsed = parseGeneratedTests(call.texts[0] ?? "", this.o.problem.kind);
          if (parsed.ok) {
            all.push(
              ...parsed.value.map((t) =>
                runnableTest(t, this.o.problem.kind, this.o.config.execution.dictInputs),
              ),
            );
            break;
          }
        }
      }
      const seen = new Set<string>();
      const unique = all.filter((t) => !seen.has(t.input) && seen.add(t.input));
      this.log.generatedTests = unique;
      return unique;
    })();
    return this.tests;
  }

  async generatedTestCount(): Promise<number> {
    return (await this.generatedTests()).length;
  }

  /** Runs a candidate on tests; `stage` is what the batch is paid under when it really runs. */
  private run(index: number, tests: RunnableTest[], stage: Stage): Promise<ExecutionResult> {
    const code = this.o.codes.get(index) ?? "";
    const key = `${code}\u0000${JSON.stringify(tests.map((t) => [t.input, t.keywords ?? false]))}`;
    let run = this.runs.get(key);
    if (!run) {
      run = this.o.executor.execute(
        programExecution(
          this.o.problem,
          code,
          tests.map((t) => (t.keywords ? { input: t.input, keywords: true } : { input: t.input })),
          this.o.config,
          { mode: "collect" },
        ),
        { ...this.o.payer, stage },
      );
      this.runs.set(key, run);
    }
    return run;
  }

  protected async outputs(index: number, tests: RunnableTest[], stage: Stage): Promise<string[]> {
    if (tests.length === 0) return [];
    const result = await this.run(index, tests, stage);
    return tests.map((_, t) => outputValue(result.tests[t], result.compileError));
  }

  async outputsOnGeneratedTests(candidates: number[]): Promise<Map<number, string[]>> {
    const tests = await this.generatedTests();
    const entries = await Promise.all(
      candidates.map(async (c) => [c, await this.outputs(c, tests, "test_inputs")] as const),
    );
    return new Map(entries);
  }

  /** Large inputs from LLM-written expressions, each evaluated in the sandbox; failures are dropped. */
  private largeInputs(): Promise<RunnableTest[]> {
    this.timeoutInputs ??= (async () => {
      const inputs: RunnableTest[] = [];
      for (let attempt = 0; attempt < TIMEOUT_INPUTS; attempt++) {
        const call = await callRole(
          this.o.llm,
          this.o.config,
          "testGenerator",
          "test_inputs",
          this.o.problem.id,
          timeoutInputMessages(this.o.problem),
          [`timeout${attempt}`],
          this.o.payer,
        );
        this.addUsage(call);
        const fields = parseDspySections(stripThinking(call.texts[0] ?? ""), ["tests"]);
        const expression = postProcessCode(fields?.tests ?? "");
        if (!expression) continue;
        const evaluated = await this.o.executor.execute(
          {
            program: EVALUATE_EXPRESSION,
            kind: "stdin",
            tests: [{ input: expression }],
            mode: "collect",
            grader: "lcb",
            limits: { timeSec: TIMEOUT_EXPRESSION_SEC },
          },
          { ...this.o.payer, stage: "test_inputs" },
        );
        const result = evaluated.tests[0];
        if (!evaluated.compileError && result?.outcome === "ok" && result.output)
          inputs.push({ input: result.output });
      }
      this.log.timeoutInputs = inputs.map((t) => t.input.slice(0, 200));
      return inputs;
    })();
    return this.timeoutInputs;
  }

  async timeoutSurvivors(candidates: number[]): Promise<number[]> {
    const inputs = await this.largeInputs();
    if (inputs.length === 0) return candidates;
    const survived = await Promise.all(
      candidates.map(async (c) => {
        const outputs = await this.outputs(c, inputs, "test_inputs");
        return outputs.filter((o) => !o.startsWith("Error:")).length;
      }),
    );
    const best = Math.max(...survived);
    return candidates.filter((_, i) => survived[i] === best);
  }

  async matchesPredicted(candidates: number[]): Promise<Map<number, boolean[]>> {
    const tests = await this.generatedTests();
    const outputs = await this.outputsOnGeneratedTests(candidates);
    return new Map(
      candidates.map((c) => [
        c,
        tests.map((t, i) =>
          agreesWithPrediction(outputs.get(c)?.[i] ?? "", t.predicted, this.o.problem.kind),
        ),
      ]),
    );
  }

  protected adaptiveTests(a: number, b: number): Promise<RunnableTest[]> {
    const key = `${a}:${b}`;
    let tests = this.adaptive.get(key);
    if (!tests) {
      tests = (async () => {
        const messages = adaptiveInputsMessages(
          this.o.problem,
          this.o.codes.get(a) ?? "",
          this.o.codes.get(b) ?? "",
        );
        const call = await callRole(
          this.o.llm,
          this.o.config,
          "inputSynthesizer",
          "adaptive_inputs",
          this.o.problem.id,
          messages,
          ["adaptive"],
          this.o.payer,
        );
        this.addUsage(call);
        // The reference swallows a parse failure here: the judge then sees the two codes only.
        const parsed = parseGeneratedTests(call.texts[0] ?? "", this.o.problem.kind);
        const runnable = parsed.ok
          ? parsed.value.map((t) => runnableTest(t, this.o.problem.kind, this.o.config.execution.dictInputs))
          : [];
        this.log.adaptive[key] = runnable;
        return runnable;
      })();
      this.adaptive.set(key, tests);
    }
    return tests;
  }
}
