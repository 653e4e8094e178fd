import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtinSimulatorProfile } from "../cli/builtin-simulator";
import { problemFromRow } from "../datasets/lcb-row";
import type { Problem } from "../datasets/problem";
import { extractProgram } from "../method/parse-response";
import { debugTrace, feedbackString, generationMessages, selfDebugMessages } from "../method/prompts";
import { projectRoot } from "../runtime/paths";
import { createExecutor, runscUsable } from "../sandbox/create-executor";
import type { RunnerPool } from "../sandbox/runner-pool";
import {
  DEFAULT_BEHAVIOUR,
  KIND_REALISM,
  parseBehaviourConfig,
  parseBehaviourProfile,
  REALISTIC_REALISM,
  type RealismRates,
} from "../simulator/behaviour/behaviour-config";
import { CodeModelResponder } from "../simulator/behaviour/code-model-responder";
import { type Disguise, disguiseProgram, RealismDraws, snakeCase } from "../simulator/behaviour/disguise";
import {
  type BankedProgram,
  type KnownProblem,
  programFingerprint,
} from "../simulator/behaviour/program-bank";
import { StaticProgramBank } from "../simulator/behaviour/static-program-bank";
import { runMutate } from "../simulator/mutants/mutant-pool";
import type { RequestLogEntry } from "../simulator/request-log";
import type { ChatMessage, SimulatedRequest } from "../simulator/responder";
import { createSimulatorServer, type SimulatorServer } from "../simulator/server";
import { DEFAULT_MODELS, loadSimConfig } from "../simulator/sim-config";
import { countTokens, tokenPieces } from "../simulator/token-counter";
import { tempDir } from "./helpers/processes";
import { runSstar } from "./helpers/sstar-cli";

// A call-based problem whose programs every program disguise applies to.
const problem: KnownProblem = {
  id: "pair-sum",
  content: "Given an array nums, return the largest sum of two of its elements. 2 <= len(nums) <= 10^5.",
  difficulty: "medium",
  kind: "call",
  funcName: "maxPairSum",
  publicTests: [{ input: "[1, 2, 3]", expected: "5" }],
  privateTests: [{ input: "[5, 5]", expected: "10" }],
};
const RIGHT =
  "from typing import List\n\n\nclass Solution:\n    def maxPairSum(self, nums: List[int]) -> int:\n        nums.sort()\n        return nums[-1] + nums[-2]\n";
const WRONG =
  "from typing import List\n\n\nclass Solution:\n    def maxPairSum(self, nums: List[int]) -> int:\n        nums.sort()\n        return nums[-1] + nums[0]\n";
const stdinProblem: KnownProblem = {
  id: "echo-sum",
  content: "Read integers from standard input and print their sum. At most 10^5 integers.",
  difficulty: "easy",
  kind: "stdin",
  publicTests: [{ input: "1 2\n", expected: "3\n" }],
  privateTests: [],
};
const STDIN_RIGHT =
  "import sys\n\n\ndef main():\n    print(sum(map(int, sys.stdin.read().split())))\n\n\nmain()\n";
const bank = new StaticProgramBank()
  .add(problem.id, [
    { program: RIGHT, correct: true, failingTests: [] },
    { program: WRONG, correct: false, failingTests: [0], kind: "off_by_one" },
  ])
  .add(stdinProblem.id, [{ program: STDIN_RIGHT, correct: true, failingTests: [] }]);
const REALISTIC = parseBehaviourConfig({ profile: "realistic" }, "test");

function responder(config = REALISTIC, seed = 7): CodeModelResponder {
  return new CodeModelResponder([problem, stdinProblem], bank, config, seed);
}
function request(messages: ChatMessage[], seed: number, maxTokens?: number): SimulatedRequest {
  return {
    requestId: `r${seed}`,
    endpoint: "chat",
    model: "m",
    messages,
    seed,
    temperature: 0.7,
    ...(maxTokens !== undefined ? { maxTokens } : {}),
  };
}
const callPrompt = { content: problem.content, kind: "call" as const };
const stdinPrompt = { content: stdinProblem.content, kind: "stdin" as const };

/** Rates with every knob 0 but the given ones. */
const only = (rates: Partial<RealismRates>): RealismRates => ({ ...KIND_REALISM, ...rates });

describe("behaviour profiles: configuration", () => {
  it("defaults to kind, whose realism rates are all 0; realistic has the documented defaults", () => {
    expect(DEFAULT_BEHAVIOUR.profile).toBe("kind");
    expect(parseBehaviourConfig({}, "x")).toEqual(DEFAULT_BEHAVIOUR);
    expect(Object.values(parseBehaviourConfig({}, "x").realism).every((r) => r === 0)).toBe(true);
    expect(REALISTIC.realism).toEqual(REALISTIC_REALISM);
    expect(REALISTIC_REALISM).toEqual({
      snakeCaseName: 0.15,
      solveName: 0.05,
      topLevelFunction: 0.15,
      helpersAndImports: 0.15,
      mainGuard: 0.2,
      noFence: 0.05,
      wrongFence: 0.1,
      proseAfter: 0.2,
      thinkBlock: 0.1,
      truncated: 0.03,
      empty: 0.01,
      markdownOnDspy: 0.1,
    });
  });

  it("reads behaviour.profile and behaviour.realism.* from YAML; bad values name their key", () => {
    const dir = tempDir("sim-profile");
    const path = join(dir, "sim.yaml");
    writeFileSync(path, "behaviour:\n  profile: realistic\n  realism:\n    noFence: 0.3\n    empty: 0\n");
    const behaviour = parseBehaviourConfig(loadSimConfig(path).behaviour, path);
    expect(behaviour.profile).toBe("realistic");
    expect(behaviour.realism).toEqual({ ...REALISTIC_REALISM, noFence: 0.3, empty: 0 });
    // A rate over the kind profile turns on that one disguise alone.
    expect(parseBehaviourConfig({ realism: { proseAfter: 1 } }, "x").realism).toEqual(
      only({ proseAfter: 1 }),
    );

    const bad = (behaviourYaml: string): string => {
      writeFileSync(path, `behaviour:\n${behaviourYaml}`);
      try {
        parseBehaviourConfig(loadSimConfig(path).behaviour, path);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error("no error");
    };
    expect(bad("  profile: nice\n")).toMatch(new RegExp(`^${path}: behaviour\\.profile: .*kind.*realistic`));
    expect(bad("  realism:\n    noFence: 2\n")).toMatch(/behaviour\.realism\.noFence: Too big/);
    expect(bad("  realism:\n    noFence: often\n")).toMatch(/behaviour\.realism\.noFence: .*number/);
    expect(bad("  realism:\n    camelCase: 0.1\n")).toMatch(
      /behaviour\.realism: Unrecognized key: "camelCase"/,
    );
    expect(bad("  profile: realistic\n  realism:\n    wrongFence: 0.99\n")).toMatch(
      /behaviour\.realism\.wrongFence: noFence \+ wrongFence add up to 1\.04, more than 1/,
    );
  });

  it("--profile and SSTAR_SIM_PROFILE: an unknown profile is an error naming the flag or the variable", async () => {
    expect(parseBehaviourProfile("realistic", "--profile")).toBe("realistic");
    expect(() => parseBehaviourProfile("nice", "--profile")).toThrow(
      /^--profile: unknown behaviour profile "nice"/,
    );
    expect(builtinSimulatorProfile({})).toBe("kind");
    expect(builtinSimulatorProfile({ SSTAR_SIM_PROFILE: "" })).toBe("kind");
    expect(builtinSimulatorProfile({ SSTAR_SIM_PROFILE: "realistic" })).toBe("realistic");
    expect(() => builtinSimulatorProfile({ SSTAR_SIM_PROFILE: "Realistic" })).toThrow(
      /^SSTAR_SIM_PROFILE: unknown behaviour profile "Realistic"; expected one of kind, realistic/,
    );
    const cli = await runSstar(["sim", "--profile", "nice", "--port", "0"], {}, 60_000);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain('--profile: unknown behaviour profile "nice"');
  }, 60_000);
});

describe("the kind profile", () => {
  it("changes nothing: the same answers as the default behaviour, in the prompt's layout, undisguised", () => {
    const kind = responder(parseBehaviourConfig({ profile: "kind" }, "x"));
    const plain = responder(DEFAULT_BEHAVIOUR);
    const trace = debugTrace(problem.content, [{ code: WRONG, feedback: feedbackString([]) }], {
      context: "all",
      includeReasoning: false,
    });
    const prompts = [
      generationMessages(callPrompt, "dspy"),
      generationMessages(callPrompt, "raw"),
      selfDebugMessages(trace),
    ];
    const dspyAnswer =
      /^\[\[ ## reasoning ## \]\]\n[^\n]+\n\n\[\[ ## code ## \]\]\n```python\n([\s\S]*)\n```\n\n\[\[ ## completed ## \]\]$/;
    const rawAnswer = /^[^\n]+\n\n```python\n([\s\S]*)\n```$/;
    for (let seed = 0; seed < 200; seed++) {
      prompts.forEach((messages, i) => {
        const a = kind.respond(request(messages, seed, 50), 0);
        expect(a).toEqual(plain.respond(request(messages, seed, 50), 0));
        expect(a.disguise).toBeUndefined();
        expect(a.cutAfterTokens).toBeUndefined();
        const code = (i === 1 ? rawAnswer : dspyAnswer).exec(a.text)?.[1];
        expect([RIGHT.trimEnd(), WRONG.trimEnd()]).toContain(code);
      });
    }
  });
});

/** Tolerance for an observed share at `n` draws of rate p: 4 standard deviations, plus a little. */
const band = (p: number, n: number) => 4 * Math.sqrt((p * (1 - p)) / n) + 0.005;

describe("the realistic profile's rates", () => {
  const DRAWS = 800;
  const tally = (answers: { disguise?: string[] }[]) => {
    const counts = new Map<string, number>();
    for (const a of answers) for (const d of a.disguise ?? []) counts.set(d, (counts.get(d) ?? 0) + 1);
    return (d: Disguise) => counts.get(d) ?? 0;
  };

  it("draws each disguise of call-based generations at its rate, combined freely", () => {
    const model = responder();
    const answers = Array.from({ length: DRAWS }, (_, s) =>
      model.respond(request(generationMessages(callPrompt, s % 2 === 0 ? "dspy" : "raw"), s), 0),
    );
    const count = tally(answers);
    const r = REALISTIC_REALISM;
    const expected: [Disguise, number, number][] = [
      ["snake_case_name", r.snakeCaseName, DRAWS],
      ["solve_name", r.solveName, DRAWS],
      ["top_level_function", r.topLevelFunction, DRAWS],
      ["helpers_and_imports", r.helpersAndImports, DRAWS],
      ["no_fence", r.noFence, DRAWS],
      ["wrong_fence", r.wrongFence, DRAWS],
      ["prose_after", r.proseAfter, DRAWS],
      ["think_block", r.thinkBlock, DRAWS],
      ["truncated", r.truncated, DRAWS],
      ["empty", r.empty, DRAWS],
      // Only DSPy prompts (half of them) can be answered in markdown instead.
      ["markdown_on_dspy", r.markdownOnDspy, DRAWS / 2],
    ];
    for (const [disguise, rate, n] of expected) {
      const share = count(disguise) / n;
      expect(Math.abs(share - rate), `${disguise}: ${share} for ${rate}`).toBeLessThan(band(rate, n));
    }
    expect(count("main_guard")).toBe(0);
    const both = answers.filter(
      (a) => a.disguise?.includes("top_level_function") && a.disguise.includes("snake_case_name"),
    );
    expect(both.length).toBeGreaterThan(0);
    expect(both.every((a) => /\ndef max_pair_sum\(nums: List\[int\]\) -> int:\n/.test(a.text))).toBe(true);
    // Self-debug answers are disguised too.
    const trace = debugTrace(problem.content, [{ code: WRONG, feedback: feedbackString([]) }], {
      context: "all",
      includeReasoning: false,
    });
    const refined = Array.from({ length: 100 }, (_, s) =>
      model.respond(request(selfDebugMessages(trace), s), 0),
    );
    expect(refined.filter((a) => a.disguise?.includes("top_level_function")).length).toBeGreaterThan(3);
  });

  it("draws the main guard of stdin programs at its rate, and no call-based disguise there", () => {
    const model = responder();
    const answers = Array.from({ length: DRAWS }, (_, s) =>
      model.respond(request(generationMessages(stdinPrompt, "raw"), s), 0),
    );
    const count = tally(answers);
    expect(Math.abs(count("main_guard") / DRAWS - REALISTIC_REALISM.mainGuard)).toBeLessThan(
      band(REALISTIC_REALISM.mainGuard, DRAWS),
    );
    for (const d of ["snake_case_name", "solve_name", "top_level_function", "helpers_and_imports"] as const)
      expect(count(d)).toBe(0);
    const guarded = answers.find((a) => a.disguise?.includes("main_guard"));
    expect(guarded?.text).toContain('\nif __name__ == "__main__":\n    main()\n');
  });

  it("draws disguises independently of whether the program is correct", () => {
    const always = responder({ ...REALISTIC, pCorrect: { easy: 1, medium: 1, hard: 1 } });
    const never = responder({ ...REALISTIC, pCorrect: { easy: 0, medium: 0, hard: 0 } });
    for (let s = 0; s < 300; s++) {
      const messages = generationMessages(callPrompt, "dspy");
      const right = always.respond(request(messages, s), 0);
      const wrong = never.respond(request(messages, s), 0);
      expect(right.outcome).toBe("correct");
      expect(wrong.outcome).toBe("wrong:off_by_one");
      expect(wrong.disguise).toEqual(right.disguise);
    }
  });

  it("answers reproducibly: the same request gives the same disguised answer", () => {
    const messages = generationMessages(callPrompt, "raw");
    for (let s = 0; s < 50; s++)
      expect(responder().respond(request(messages, s), 1)).toEqual(
        responder().respond(request(messages, s), 1),
      );
  });
});

describe("cut-off answers", () => {
  const cutting = responder(parseBehaviourConfig({ realism: { truncated: 1 } }, "x"));

  it("end inside the code; with max_tokens the reasoning runs on until the limit falls there", () => {
    for (let s = 0; s < 20; s++) {
      const a = cutting.respond(request(generationMessages(callPrompt, s % 2 ? "dspy" : "raw"), s, 700), 0);
      expect(a.disguise).toEqual(["truncated"]);
      expect(a.cutAfterTokens).toBe(700);
      expect(countTokens(a.text)).toBeGreaterThan(700);
      const sent = tokenPieces(a.text).slice(0, 700).join("");
      expect(sent).toContain("```python\n");
      expect(sent).not.toContain("return nums[-1] + nums[");
    }
    const unbounded = cutting.respond(request(generationMessages(callPrompt, "dspy"), 3), 0);
    const cut = unbounded.cutAfterTokens as number;
    expect(cut).toBeLessThan(countTokens(unbounded.text));
    const sent = tokenPieces(unbounded.text).slice(0, cut).join("");
    expect(sent).toContain("```python\n");
    expect(sent).not.toContain("return nums[-1] + nums[");
  });
});

const DATA = join(projectRoot, "../shared/data/leetcode/leetcode_dev100.jsonl");
const readProblems = (file: string): Problem[] =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((line, i) => problemFromRow(JSON.parse(line), `${file}:${i + 1}`));
const leetcode = readProblems(DATA);
const demo = readProblems(join(projectRoot, "demo/demo-problems.jsonl"));
const byId = (id: string): Problem => {
  const p = [...leetcode, ...demo].find((x) => x.id === id);
  if (!p) throw new Error(`no problem ${id}`);
  return p;
};
const CALL_PROBLEMS = [
  "count-the-number-of-good-nodes",
  "find-the-count-of-monotonic-pairs-i",
  "final-array-state-after-k-multiplication-operations-i",
  "count-substrings-that-satisfy-k-constraint-i",
];
const STDIN_PROBLEMS = ["sstar_demo_01", "sstar_demo_03", "sstar_demo_05"];

/** Every combination of the program knobs, each forced on or off. */
const CALL_COMBINATIONS: Partial<RealismRates>[] = [];
for (const rename of [{}, { snakeCaseName: 1 }, { solveName: 1 }])
  for (const top of [{}, { topLevelFunction: 1 }])
    for (const helpers of [{}, { helpersAndImports: 1 }])
      CALL_COMBINATIONS.push({ ...rename, ...top, ...helpers });

function disguises(program: string, p: Problem, key: number) {
  const combos = p.kind === "call" ? CALL_COMBINATIONS : [{}, { mainGuard: 1 }];
  return combos.map((rates, i) =>
    disguiseProgram(program, p.kind, p.funcName, only(rates), new RealismDraws([key, i])),
  );
}

describe("disguised programs are the same programs", () => {
  let executor: RunnerPool;
  beforeAll(async () => {
    const dir = tempDir("realistic-exec");
    executor = runscUsable()
      ? await createExecutor({ isolation: "gvisor", poolSize: 1, dataDir: dir })
      : await createExecutor({ isolation: "process", unsafe: true, poolSize: 1, dataDir: dir });
  }, 120_000);
  afterAll(async () => {
    await executor?.close();
  });

  it("a renamed or top-level correct program passes its tests when called by its new name", async () => {
    for (const id of CALL_PROBLEMS) {
      const p = byId(id);
      const reference = p.referenceSolution as string;
      const tests = [...p.publicTests, ...p.privateTests.slice(0, 4)];
      for (const d of disguises(reference, p, 1)) {
        const entryName = d.entryName as string;
        if (d.applied.includes("snake_case_name")) expect(entryName).toBe(snakeCase(p.funcName as string));
        if (d.applied.includes("solve_name")) expect(entryName).toBe("solve");
        // The name as disguised, as strictly as LiveCodeBench looks it up.
        const strict = await executor.execute({
          program: d.program,
          kind: "call",
          funcName: entryName,
          tests,
          entryPoint: "strict",
        });
        expect({ id, applied: d.applied, outcomes: strict.tests.map((t) => t.outcome) }).toEqual({
          id,
          applied: d.applied,
          outcomes: tests.map(() => "passed"),
        });
        if (d.applied.includes("top_level_function")) expect(d.program).not.toContain("class Solution");
        if (entryName !== p.funcName) {
          // A pipeline that calls the dataset's name strictly loses the renamed program.
          const byOldName = await executor.execute({
            program: d.program,
            kind: "call",
            funcName: p.funcName as string,
            tests: tests.slice(0, 1),
            entryPoint: "strict",
          });
          expect(byOldName.loadFailure ?? byOldName.tests[0]?.outcome).not.toBe("passed");
        }
      }
    }
    // Every knob applies to at least one of these references.
    const applied = new Set(
      CALL_PROBLEMS.flatMap((id) =>
        disguises(byId(id).referenceSolution as string, byId(id), 1).flatMap((d) => d.applied),
      ),
    );
    expect([...applied].sort()).toEqual([
      "helpers_and_imports",
      "snake_case_name",
      "solve_name",
      "top_level_function",
    ]);
  }, 180_000);

  it("a stdin program under a main guard prints the same", async () => {
    for (const id of STDIN_PROBLEMS) {
      const p = byId(id);
      const [plain, guarded] = disguises(p.referenceSolution as string, p, 2);
      expect(plain?.applied).toEqual([]);
      expect(guarded?.applied).toEqual(["main_guard"]);
      const result = await executor.execute({
        program: guarded?.program as string,
        kind: "stdin",
        tests: [...p.publicTests, ...p.privateTests.slice(0, 3)],
      });
      expect(result.tests.every((t) => t.outcome === "passed")).toBe(true);
    }
  }, 120_000);
});

describe("the bank recognises disguised programs (fingerprint lookup)", () => {
  const problems = [...CALL_PROBLEMS, ...STDIN_PROBLEMS].map(byId);
  const banks = new Map<string, BankedProgram[]>();
  beforeAll(async () => {
    for (const p of problems) {
      const out = await runMutate({
        program: p.referenceSolution as string,
        seed: 7,
        max_per_kind: 2,
        ...(p.funcName ? { func_name: p.funcName } : {}),
        variants: 2,
      });
      banks.set(p.id, [
        { program: p.referenceSolution as string, correct: true, failingTests: [] },
        ...out.variants.map((program) => ({ program, correct: true, failingTests: [] })),
        ...out.mutants.map((m) => ({ program: m.program, correct: false, failingTests: [0], kind: m.kind })),
      ]);
    }
  }, 60_000);

  it("looks every disguise of every bank program up as that program; distinct mutants stay distinct", () => {
    let mutants = 0;
    let uniqueMutants = 0;
    let checked = 0;
    for (const p of problems) {
      const programsOf = banks.get(p.id) as BankedProgram[];
      const bank = new StaticProgramBank().add(p.id, programsOf);
      const keys = programsOf.map((b) => programFingerprint(b.program).join("\n"));
      programsOf.forEach((banked, index) => {
        const alone = keys.filter((k) => k === keys[index]).length === 1;
        if (!banked.correct) {
          mutants++;
          if (alone) uniqueMutants++;
        }
        // Programs that share a fingerprint (the reference and its rewrite with a comment) agree.
        const sharing = programsOf.filter((_b, j) => keys[j] === keys[index]);
        expect(sharing.every((b) => b.correct === banked.correct)).toBe(true);
        for (const [k, d] of disguises(banked.program, p, index).entries()) {
          // An exact copy finds the program itself; a disguised one the same program when its
          // fingerprint is its own, else one with the same correctness (or none if they disagree).
          const found = bank.lookup(p.id, d.program);
          if (alone)
            expect({ id: p.id, index, k, found: found?.program }).toEqual({
              id: p.id,
              index,
              k,
              found: banked.program,
            });
          else if (found) expect(found.correct).toBe(banked.correct);
          checked++;
          // The pipeline's extraction of a written answer gives the program back too.
          const dspy = k % 2 === 0;
          const answer = responderAnswer(d.program, dspy, index * 100 + k);
          const extracted = extractProgram(answer, dspy ? "dspy" : "raw");
          expect(extracted.ok).toBe(true);
          if (extracted.ok && alone)
            expect(bank.lookup(p.id, extracted.value.code)?.program).toBe(banked.program);
        }
      });
    }
    expect(checked).toBeGreaterThan(300);
    // Mutants differ from each other and from the correct programs by what they compute.
    expect(mutants).toBeGreaterThan(50);
    expect(uniqueMutants / mutants).toBeGreaterThanOrEqual(0.9);
  });

  it("finds a program with prose around it, and nothing for a cut-off or unknown one", () => {
    const p = byId(CALL_PROBLEMS[0] as string);
    const programsOf = banks.get(p.id) as BankedProgram[];
    const bank = new StaticProgramBank().add(p.id, programsOf);
    const reference = p.referenceSolution as string;
    expect(bank.lookup(p.id, `Here is my solution.\n\n${reference}\n\nIt runs in O(n).`)?.program).toBe(
      reference,
    );
    const lines = reference.trimEnd().split("\n");
    expect(bank.lookup(p.id, lines.slice(0, -2).join("\n"))).toBeUndefined();
    expect(bank.lookup(p.id, "print(42)")).toBeUndefined();
  });
});

/** A full answer (not cut off, not empty) written around `program` with some of the answer disguises. */
function responderAnswer(program: string, dspy: boolean, key: number): string {
  const bankOne = new StaticProgramBank().add(problem.id, [{ program, correct: true, failingTests: [] }]);
  const rates = {
    ...REALISTIC.realism,
    truncated: 0,
    empty: 0,
    noFence: 0.2,
    wrongFence: 0.4,
    proseAfter: 0.5,
  };
  const model = new CodeModelResponder(
    [problem],
    bankOne,
    // Program knobs off: `program` is already disguised.
    {
      ...REALISTIC,
      pCorrect: { easy: 1, medium: 1, hard: 1 },
      realism: { ...rates, snakeCaseName: 0, solveName: 0, topLevelFunction: 0, helpersAndImports: 0 },
    },
    key,
  );
  return model.respond(request(generationMessages(callPrompt, dspy ? "dspy" : "raw"), key), 0).text;
}

describe("the realistic profile over HTTP (openai client)", () => {
  let server: SimulatorServer;
  let client: OpenAI;
  let logPath: string;
  beforeAll(async () => {
    logPath = join(tempDir("sim-realistic"), "requests.jsonl");
    server = createSimulatorServer({
      responder: responder(parseBehaviourConfig({ profile: "realistic" }, "test"), 3),
      config: { seed: 3, latency: "zero", fixedCreated: 1_700_000_000 },
      log: logPath,
    });
    const { url } = await server.listen(0, "127.0.0.1");
    client = new OpenAI({ baseURL: url, apiKey: "x", maxRetries: 0 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("serves sstar-sim and sstar-sim-coder by default", async () => {
    expect(DEFAULT_MODELS).toEqual(["sstar-sim", "sstar-sim-coder"]);
    const models = [];
    for await (const m of client.models.list()) models.push(m.id);
    expect(models).toEqual(["sstar-sim", "sstar-sim-coder"]);
    const completion = await client.chat.completions.create({
      model: "sstar-sim-coder",
      messages: generationMessages(callPrompt, "dspy"),
    });
    expect(completion.model).toBe("sstar-sim-coder");
  });

  it("cut-off answers finish with length and max_tokens completion tokens; usage matches every answer", async () => {
    const MAX = 900;
    const seen = new Map<string, number>();
    for (let seed = 0; seed < 300; seed++) {
      const completion = await client.chat.completions.create({
        model: "sstar-sim",
        messages: generationMessages(callPrompt, seed % 2 ? "dspy" : "raw"),
        seed,
        temperature: 0.7,
        max_tokens: MAX,
      });
      const entry = JSON.parse(
        readFileSync(logPath, "utf8").trim().split("\n").at(-1) as string,
      ) as RequestLogEntry;
      const choice = completion.choices[0];
      const content = choice?.message.content ?? "";
      const disguise = entry.disguise[0] ?? "";
      for (const d of disguise.split("+").filter(Boolean)) seen.set(d, (seen.get(d) ?? 0) + 1);
      if (disguise.includes("truncated")) {
        expect(choice?.finish_reason).toBe("length");
        expect(entry.finish_reason).toEqual(["length"]);
        expect(completion.usage?.completion_tokens).toBe(MAX);
        expect(content).not.toContain("[[ ## completed ## ]]");
      } else {
        expect(choice?.finish_reason).toBe("stop");
        expect(completion.usage?.completion_tokens).toBe(countTokens(content));
        if (disguise.includes("empty")) expect(content).toBe("");
        else expect(extractProgram(content, seed % 2 ? "dspy" : "raw").ok).toBe(true);
      }
    }
    expect(seen.get("truncated")).toBeGreaterThan(0);
    expect(seen.get("empty")).toBeGreaterThan(0);
    expect(seen.get("snake_case_name")).toBeGreaterThan(20);
  }, 60_000);
});
