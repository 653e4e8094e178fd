import { createHash } from "node:crypto";
import { SeededRandom } from "../../method/seeded-random";
import type { Responder, SimulatedAnswer, SimulatedRequest } from "../responder";
import type { BehaviourConfig } from "./behaviour-config";
import { type CodeDraft, disguiseProgram, RealismDraws, writeCodeAnswer } from "./disguise";
import { type BankedProgram, type KnownProblem, normalizeProgram, type ProgramBank } from "./program-bank";
import { classifyRequest } from "./request-role";

/** A code answer before it is written out: what the profile disguises. */
interface CodeChoice {
  code: CodeDraft & { kind: "call" | "stdin"; funcName?: string };
  outcome: string;
}
type Drafted = { text: string; outcome: string } | CodeChoice;

const REASONING_SENTENCES = [
  "Let me restate the task and check the constraints first.",
  "A direct simulation would be too slow for the largest inputs, so I look for structure.",
  "I will keep a running value while scanning the input once.",
  "Edge cases: the smallest input, equal values, and the maximum size.",
  "Sorting first makes the greedy choice safe.",
  "I verify the approach on the examples from the statement.",
  "The answer fits in a 64-bit integer, and Python integers are unbounded anyway.",
];

/**
 * A code model under S*, reproducible from its seed: it recognises the problem from the
 * statement in the prompt and the role from the prompt's structure, then answers with a correct
 * or a checked-wrong program, test inputs drawn from the hidden tests, or a judgment that favours
 * the correct program with a configured probability.
 */
export class CodeModelResponder implements Responder {
  private readonly signatures: { problem: KnownProblem; signature: string }[];

  constructor(
    problems: KnownProblem[],
    private readonly bank: ProgramBank,
    private readonly config: BehaviourConfig,
    private readonly seed: number,
    /** Resolves once a problem's programs are in the bank (a pool still being checked); absent: always. */
    private readonly problemReady?: (problemId: string) => Promise<void>,
  ) {
    this.signatures = problems.map((problem) => ({
      problem,
      signature: squash(problem.content).slice(0, 160),
    }));
  }

  async prepare(request: SimulatedRequest): Promise<void> {
    const problem = this.problemReady && this.problemOf(request);
    if (problem) await this.problemReady?.(problem.id);
  }

  /** The known problem a request is about (recognised from its statement), if any. */
  problemOf(request: SimulatedRequest): KnownProblem | undefined {
    return this.problemIn(squash(classifyRequest(request.messages).text));
  }

  private problemIn(text: string): KnownProblem | undefined {
    return this.signatures.find((s) => s.signature.length > 0 && text.includes(s.signature))?.problem;
  }

  respond(request: SimulatedRequest, choiceIndex: number): SimulatedAnswer {
    const classified = classifyRequest(request.messages);
    const problem = this.problemIn(squash(classified.text));
    // Identical requests must still differ per sample: the request seed and the choice index do that.
    const promptHash = createHash("sha256").update(classified.text).digest("hex").slice(0, 16);
    const rng = new SeededRandom(
      this.seed,
      request.seed ?? "",
      request.temperature ?? "",
      promptHash,
      choiceIndex,
    );
    const role = classified.role === "unknown" && problem ? "generate" : classified.role;
    let drafted: Drafted;
    if (!problem) drafted = this.unknownProblem(classified.dspy, role, rng);
    else if (role === "generate") drafted = this.generate(problem, classified.dspy, rng);
    else if (role === "refine") drafted = this.refine(problem, request, rng);
    else if (role === "test_inputs") drafted = this.testInputs(problem, rng, []);
    else if (role === "adaptive_inputs") drafted = this.adaptiveInputs(problem, request, rng);
    else if (role === "timeout_input") drafted = this.timeoutInput(problem, rng);
    else if (role === "test_result_choice") drafted = this.testResultChoice(problem, request, rng);
    else drafted = this.judge(problem, request, rng);
    const thinking = this.thinkBlock(rng);
    const base = { role, problemId: problem?.id, outcome: drafted.outcome };
    if (!("code" in drafted)) {
      return thinking === ""
        ? { ...base, text: drafted.text }
        : { ...base, text: thinking + drafted.text, reasoning: thinking };
    }
    // The code the model writes: disguised by the profile's realism rates, each knob its own draw.
    const draws = new RealismDraws([
      this.seed,
      request.seed ?? "",
      request.temperature ?? "",
      promptHash,
      choiceIndex,
    ]);
    const { code } = drafted;
    const rates = this.config.realism;
    const disguised = this.realistic
      ? disguiseProgram(code.program, code.kind, code.funcName, rates, draws)
      : { program: code.program, applied: [] };
    const written = writeCodeAnswer(
      { ...code, program: disguised.program },
      rates,
      draws,
      thinking,
      request.maxTokens,
    );
    const disguise = [...disguised.applied, ...written.applied];
    return {
      ...base,
      text: written.text,
      ...(written.reasoning !== undefined ? { reasoning: written.reasoning } : {}),
      ...(written.cutAfterTokens !== undefined ? { cutAfterTokens: written.cutAfterTokens } : {}),
      ...(disguise.length > 0 ? { disguise } : {}),
    };
  }

  /** Whether any realism rate is set (the kind profile has none: answers as before profiles existed). */
  private get realistic(): boolean {
    return Object.values(this.config.realism ?? {}).some((rate) => rate > 0);
  }

  private generate(problem: KnownProblem, dspy: boolean, rng: SeededRandom): CodeChoice {
    const correct = rng.chance(this.config.pCorrect[problem.difficulty]);
    const program = this.pickProgram(problem, correct, rng);
    return {
      code: {
        why: reasoning(rng),
        program: program.program,
        dspy,
        kind: problem.kind,
        funcName: problem.funcName,
      },
      outcome: program.correct ? "correct" : `wrong:${program.kind ?? "?"}`,
    };
  }

  private refine(problem: KnownProblem, request: SimulatedRequest, rng: SeededRandom): CodeChoice {
    const trace = request.messages.map((m) => m.content).join("\n");
    const last = lastTracedCode(trace);
    const known = last === undefined ? undefined : this.bank.lookup(problem.id, last);
    let program: BankedProgram;
    if (known?.correct) program = known;
    else program = this.pickProgram(problem, rng.chance(this.config.qFix), rng, known?.program ?? last);
    return {
      code: {
        why: `The last round failed some tests. ${reasoning(rng)}`,
        program: program.program,
        dspy: true,
        kind: problem.kind,
        funcName: problem.funcName,
      },
      outcome: program.correct ? (known?.correct ? "kept_correct" : "fixed") : `wrong:${program.kind ?? "?"}`,
    };
  }

  private pickProgram(
    problem: KnownProblem,
    correct: boolean,
    rng: SeededRandom,
    avoid?: string,
  ): BankedProgram {
    if (!correct) {
      const avoidKey = avoid === undefined ? undefined : normalizeProgram(avoid);
      const all = this.bank.wrong(problem.id);
      const others = all.filter((p) => normalizeProgram(p.program) !== avoidKey);
      if (others.length > 0) return rng.pick(others);
      if (all.length > 0) return rng.pick(all);
    }
    const programs = this.bank.correct(problem.id);
    return { program: rng.pick(programs), correct: true, failingTests: [] };
  }

  private testInputs(problem: KnownProblem, rng: SeededRandom, preferred: number[]) {
    const all = [...problem.publicTests, ...problem.privateTests];
    const publicCount = problem.publicTests.length;
    const chosen: number[] = rng.sample(preferred, this.config.testsPerAnswer);
    while (chosen.length < Math.min(this.config.testsPerAnswer, all.length)) {
      const fromHidden = problem.privateTests.length > 0 && rng.chance(this.config.hiddenInputShare);
      const index = fromHidden
        ? publicCount + rng.int(problem.privateTests.length)
        : rng.int(Math.max(1, publicCount));
      if (index < all.length && !chosen.includes(index)) chosen.push(index);
      else if (chosen.length >= all.length) break;
    }
    let malformed = 0;
    const params = parameterNames(problem, this.bank.correct(problem.id)[0] ?? "");
    const items = chosen.map((index) => {
      const test = all[index] as { input: string; expected: string };
      const predicted = rng.chance(this.config.wrongPredictionRate)
        ? perturb(test.expected, problem.kind)
        : test.expected;
      const broken = rng.chance(this.config.malformedTestRate);
      if (broken) malformed++;
      return problem.kind === "stdin"
        ? stdinTest(test.input, predicted, broken)
        : callTest(test.input, predicted, params, broken);
    });
    const body = problem.kind === "stdin" ? items.join("\n") : items.join("\n");
    const text = `[[ ## reasoning ## ]]\n${reasoning(rng)}\n\n[[ ## tests ## ]]\n${body}\n\n[[ ## completed ## ]]`;
    return {
      text,
      outcome: malformed > 0 ? `tests:${items.length}:malformed:${malformed}` : `tests:${items.length}`,
    };
  }

  private adaptiveInputs(problem: KnownProblem, request: SimulatedRequest, rng: SeededRandom) {
    const user = userText(request);
    const a = this.bank.lookup(problem.id, section(user, "completionA") ?? "");
    const b = this.bank.lookup(problem.id, section(user, "completionB") ?? "");
    const failsA = new Set(a?.failingTests ?? []);
    const failsB = new Set(b?.failingTests ?? []);
    // Inputs on which exactly one of the two fails are the ones that tell them apart.
    const distinguishing = [...new Set([...failsA, ...failsB])].filter(
      (t) => failsA.has(t) !== failsB.has(t),
    );
    return this.testInputs(problem, rng, distinguishing);
  }

  /** An expression for the largest hidden input: a JSON string literal is valid Python too. */
  private timeoutInput(problem: KnownProblem, rng: SeededRandom) {
    const largest = [...problem.privateTests, ...problem.publicTests].reduce(
      (best, t) => (t.input.length > best.length ? t.input : best),
      "",
    );
    const expression =
      problem.kind === "stdin"
        ? JSON.stringify(largest)
        : `__import__("json").loads(${JSON.stringify(largest.split("\n")[0] ?? "")})`;
    const text = `[[ ## reasoning ## ]]\n${reasoning(rng)}\n\n[[ ## tests ## ]]\n${expression}\n\n[[ ## completed ## ]]`;
    return { text, outcome: `timeout_input:${largest.length}` };
  }

  private judge(problem: KnownProblem, request: SimulatedRequest, rng: SeededRandom) {
    const user = userText(request);
    const [first, second] = judgedCodes(user);
    const correctness = [first, second].map((code) =>
      code === undefined ? undefined : this.bank.lookup(problem.id, code)?.correct,
    );
    // The one-order judge's question offers no "equally good" answer.
    const tieAllowed = request.messages.some((m) => m.content.includes("2 if they are equally good/bad"));
    let choice: 0 | 1 | 2;
    let outcome: string;
    if (correctness[0] !== correctness[1] && correctness[0] !== undefined && correctness[1] !== undefined) {
      const right = correctness[0] ? 0 : 1;
      choice = rng.chance(this.config.rJudge) ? right : ((1 - right) as 0 | 1);
      outcome = choice === right ? "judged_right" : "judged_wrong";
    } else {
      choice = tieAllowed ? rng.pick([0, 1, 2] as const) : rng.pick([0, 1] as const);
      outcome = "judged_tie_or_unknown";
    }
    if (rng.chance(this.config.unparsableJudgeRate)) {
      return {
        text: `[[ ## reasoning ## ]]\n${reasoning(rng)}\n\nBoth look plausible to me.`,
        outcome: "unparsable",
      };
    }
    const text = `[[ ## reasoning ## ]]\n${reasoning(rng)}\n\n[[ ## best_sample_idx ## ]]\n${choice}\n\n[[ ## completed ## ]]`;
    return { text, outcome };
  }

  /**
   * Which output on a generated input is right: the known test with that input says; the right
   * index is named with probability rJudge. No known test, or no output matching it: -1 or a guess.
   */
  private testResultChoice(problem: KnownProblem, request: SimulatedRequest, rng: SeededRandom) {
    const shown = section(userText(request), "test_and_samples_with_idx") ?? "";
    const input = /\[Test input\]: ([\s\S]*?) \n/.exec(shown)?.[1] ?? "";
    const results = [...shown.matchAll(/\[Test result (\d+)\]: ([\s\S]*?)(?: \n|$)/g)].map((m) => m[2] ?? "");
    const known = [...problem.publicTests, ...problem.privateTests].find((t) =>
      sameInput(t.input, input, problem.kind),
    );
    const right = known ? results.findIndex((r) => sameValue(r, known.expected)) : -1;
    let choice: number;
    let outcome: string;
    if (right >= 0) {
      const others = results.map((_, k) => k).filter((k) => k !== right);
      choice = rng.chance(this.config.rJudge) || others.length === 0 ? right : rng.pick(others);
      outcome = choice === right ? "picked_right" : "picked_wrong";
    } else {
      choice = rng.chance(0.5) ? -1 : rng.int(Math.max(1, results.length));
      outcome = "picked_unknown";
    }
    const text = `[[ ## reasoning ## ]]\n${reasoning(rng)}\n\n[[ ## best_idx ## ]]\n${choice}\n\n[[ ## completed ## ]]`;
    return { text, outcome };
  }

  private unknownProblem(dspy: boolean, role: string, rng: SeededRandom): Drafted {
    if (role === "test_result_choice") {
      return {
        text: `[[ ## reasoning ## ]]\nHard to tell.\n\n[[ ## best_idx ## ]]\n-1\n\n[[ ## completed ## ]]`,
        outcome: "unknown_problem",
      };
    }
    if (role === "judge_code_only" || role === "judge_with_execution") {
      return {
        text: `[[ ## reasoning ## ]]\nHard to tell.\n\n[[ ## best_sample_idx ## ]]\n${rng.int(3)}\n\n[[ ## completed ## ]]`,
        outcome: "unknown_problem",
      };
    }
    if (role === "test_inputs" || role === "adaptive_inputs") {
      return {
        text: "[[ ## reasoning ## ]]\nSmall cases.\n\n[[ ## tests ## ]]\nInput:\n1\nOutput:\n1\n\n[[ ## completed ## ]]",
        outcome: "unknown_problem",
      };
    }
    const program =
      "import sys\n\ndef main():\n    data = sys.stdin.read().split()\n    print(len(data))\n\nmain()\n";
    return { code: { why: reasoning(rng), program, dspy, kind: "stdin" }, outcome: "unknown_problem" };
  }

  /** The thinkWords block before every answer ("" when thinkWords is 0: no draw is made then). */
  private thinkBlock(rng: SeededRandom): string {
    const words = this.config.thinkWords;
    if (words <= 0) return "";
    const filler: string[] = [];
    while (filler.length < words) filler.push(...rng.pick(REASONING_SENTENCES).split(" "));
    return `<think>\n${filler.slice(0, words).join(" ")}\n</think>\n\n`;
  }
}

/** The user's part of a request: the system message only describes fields, with placeholders. */
function userText(request: SimulatedRequest): string {
  return request.messages
    .filter((m) => m.role !== "system")
    .map((m) => m.content)
    .join("\n");
}

/** DSPy's closing instruction: the end of the last input field. */
const RESPOND_MARKER = "\n\nRespond with the corresponding output fields";

function squash(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function reasoning(rng: SeededRandom): string {
  return rng.sample(REASONING_SENTENCES, 2 + rng.int(3)).join(" ");
}

/** The code of the latest round in a self-debug trace. */
function lastTracedCode(trace: string): string | undefined {
  const matches = [
    ...trace.matchAll(/\[Round \d+ Generated code\]: ([\s\S]*?) \n\[Round \d+ Test Feedback\]/g),
  ];
  return matches.at(-1)?.[1];
}

function section(text: string, name: string): string | undefined {
  const marker = `[[ ## ${name} ## ]]\n`;
  const start = text.indexOf(marker);
  if (start < 0) return undefined;
  const rest = text.slice(start + marker.length);
  const ends = ["\n\n[[ ## ", RESPOND_MARKER].map((m) => rest.indexOf(m)).filter((e) => e >= 0);
  return (ends.length ? rest.slice(0, Math.min(...ends)) : rest).trim();
}

/**
 * The two programs of a pairwise judgment, from any of the reference's samples_with_idx layouts:
 * `[Sample k]: ### Code ### \n code` (with execution outputs) or `[Sample k]: code \n` (code only).
 */
function judgedCodes(text: string): [string | undefined, string | undefined] {
  const grab = (i: number) => {
    const withCode = `[Sample ${i}]: ### Code ### \n `;
    const bare = `[Sample ${i}]: `;
    let start = text.indexOf(withCode);
    let length = withCode.length;
    if (start < 0) {
      start = text.indexOf(bare);
      length = bare.length;
    }
    if (start < 0) return undefined;
    const rest = text.slice(start + length);
    const ends = [
      "\n### Execution outputs ###",
      " \n ### Execution output ###",
      `\n\n[Sample ${i + 1}]:`,
      "\n\n[[ ## ",
      RESPOND_MARKER,
    ]
      .map((m) => rest.indexOf(m))
      .filter((e) => e >= 0);
    return rest.slice(0, ends.length ? Math.min(...ends) : rest.length).trimEnd();
  };
  return [grab(0), grab(1)];
}

/** A generated test's input shown to the model against a known test's input (JSON lines or a dict for calls). */
function sameInput(known: string, shown: string, kind: "stdin" | "call"): boolean {
  if (kind === "stdin") return squash(known) === squash(shown);
  const values = (text: string): string | undefined => {
    try {
      const whole = JSON.parse(text) as unknown;
      if (whole && typeof whole === "object" && !Array.isArray(whole))
        return JSON.stringify(Object.values(whole));
    } catch {
      // not one JSON value: one argument per line
    }
    try {
      return JSON.stringify(
        text
          .split("\n")
          .filter((l) => l.trim() !== "")
          .map((l) => JSON.parse(l) as unknown),
      );
    } catch {
      return undefined;
    }
  };
  const a = values(known);
  return a !== undefined && a === values(shown);
}

/** An output shown to the model (Python repr or JSON) against a known test's expected output. */
function sameValue(shown: string, expected: string): boolean {
  const canonical = (text: string) => {
    const t = text.trim();
    try {
      return JSON.stringify(JSON.parse(t));
    } catch {
      const json = t
        .replace(/'/g, '"')
        .replace(/\bTrue\b/g, "true")
        .replace(/\bFalse\b/g, "false")
        .replace(/\bNone\b/g, "null");
      try {
        return JSON.stringify(JSON.parse(json));
      } catch {
        return squash(t);
      }
    }
  };
  return canonical(shown) === canonical(expected);
}

function parameterNames(problem: KnownProblem, reference: string): string[] {
  const match = new RegExp(`def\\s+${problem.funcName ?? "\\w+"}\\s*\\(([^)]*)\\)`).exec(reference);
  const params = (match?.[1] ?? "")
    .split(",")
    .map((p) => p.split(":")[0]?.split("=")[0]?.trim() ?? "")
    .filter((p) => p && p !== "self" && !p.startsWith("*"));
  return params;
}

function stdinTest(input: string, output: string, broken: boolean): string {
  return broken
    ? `Input:\n${input.trimEnd()}\n`
    : `Input:\n${input.trimEnd()}\nOutput:\n${output.trimEnd()}\n`;
}

function callTest(input: string, output: string, params: string[], broken: boolean): string {
  const values = input.split("\n").map((line) => {
    try {
      return JSON.parse(line) as unknown;
    } catch {
      return line;
    }
  });
  const args = Object.fromEntries(values.map((v, i) => [params[i] ?? `arg${i}`, v]));
  let expected: unknown = output;
  try {
    expected = JSON.parse(output);
  } catch {
    // keep the text
  }
  const json = JSON.stringify({ input: args, output: expected });
  return broken ? json.slice(0, Math.max(1, json.length - 2)) : json;
}

/** A plausible but wrong predicted output. */
function perturb(expected: string, kind: "stdin" | "call"): string {
  const number = /-?\d+/.exec(expected);
  if (number) return expected.replace(number[0], String(Number(number[0]) + 1));
  return kind === "call" ? "null" : `${expected.trim()}x\n`;
}
