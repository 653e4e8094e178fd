import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CachedExecutor } from "../activities/cached-executor";
import { samplingForTry } from "../activities/role-calls";
import { TestSynthesis, testGenerationTries } from "../activities/test-synthesis";
import { loadRunConfig } from "../config/load-run-config";
import { presetCatalog } from "../config/preset-catalog";
import { PAPER_MODELS, PRESETS, REPRODUCTION_PRESETS } from "../config/presets";
import { type RunConfig, roleConfig } from "../config/run-config";
import type { Problem } from "../datasets/problem";
import { OpenAiGateway } from "../llm/openai-gateway";
import { generationMessages, questionText } from "../method/prompts";
import { SeededRandom } from "../method/seeded-random";
import type { Responder } from "../simulator/responder";
import { createSimulatorServer, type SimulatorServer } from "../simulator/server";
import { LocalKeyedStore } from "../store/content-store";
import { tempDir } from "./helpers/processes";
import { runSstar } from "./helpers/sstar-cli";

const GPT_4O_MINI = "gpt-4o-mini-2024-07-18";
const KINDS = ["sstar", "zero-shot", "majority-vote", "self-debug"] as const;
const names = Object.keys(PRESETS);
const reproductions = names.filter((n) => REPRODUCTION_PRESETS.has(n));

const callProblem: Problem = {
  id: "lc-max-sum",
  title: "Max Sum",
  content: "Given nums, return the largest sum of two distinct elements.",
  platform: "leetcode",
  contestDate: "",
  difficulty: "easy",
  starterCode: "class Solution:\n    def maxSum(self, nums: List[int]) -> int:\n        ",
  funcName: "maxSum",
  kind: "call",
  publicTests: [{ input: "[1, 2, 3]", expected: "5" }],
  privateTests: [],
};

describe("the paper's presets", () => {
  it("cover zero-shot, majority vote, self-debug and S* for every one of the 12 models", () => {
    expect(PAPER_MODELS).toHaveLength(12);
    for (const m of PAPER_MODELS)
      for (const kind of KINDS) expect(names, `${kind}-${m.key}`).toContain(`${kind}-${m.key}`);
    expect(names).toContain("sstar-o1-mini");
    expect(names).toContain("sstar-r1-distill-qwen-32b");
  });

  it.each(reproductions)(
    "%s says what it changes from the reference and passes dict inputs as keywords",
    (name) => {
      const config = loadRunConfig(name);
      expect(config.description).toMatch(/Changes from the reference: .+entry-point resolution/);
      expect(config.execution.dictInputs).toBe("keywords");
      expect(config.roles.generator.showStarterCode).toBe(false);
      for (const role of Object.values(config.roles)) expect(role?.parseRetries).toBe(0);
    },
  );

  it("the test generator asks at 0.71, 0.72, 0.73 on its three tries (GPT-4o-mini)", () => {
    for (const name of reproductions.filter((n) => n.startsWith("sstar-"))) {
      const tg = roleConfig(loadRunConfig(name), "testGenerator");
      expect(tg.model, name).toBe(GPT_4O_MINI);
      expect(tg.sampling.tryTemperatures, name).toEqual([0.71, 0.72, 0.73]);
      expect(testGenerationTries(loadRunConfig(name))).toBe(3);
    }
  });

  it("majority vote's tests are written by o1-mini (T=1, one try) in 11 of 12 scripts, by GPT-4o-mini for Qwen-32B", () => {
    const byModel = PAPER_MODELS.map((m) =>
      roleConfig(loadRunConfig(`majority-vote-${m.key}`), "testGenerator"),
    );
    expect(byModel.filter((tg) => tg.model === "o1-mini")).toHaveLength(11);
    const qwen32 = roleConfig(loadRunConfig("majority-vote-qwen2.5-coder-32b"), "testGenerator");
    expect(qwen32.model).toBe(GPT_4O_MINI);
    const o1 = roleConfig(loadRunConfig("majority-vote-r1-distill-qwen-7b"), "testGenerator");
    expect(o1.sampling).toMatchObject({ temperature: 1, tryTemperatures: [1] });
    expect(testGenerationTries(loadRunConfig("majority-vote-r1-distill-qwen-7b"))).toBe(1);
    for (const m of PAPER_MODELS) {
      const config = loadRunConfig(`majority-vote-${m.key}`);
      expect(config.budget).toMatchObject({ n: 16, rounds: 1 });
      expect(config.selection[0]).toEqual({
        method: "majority_vote",
        score: "agreement",
        publicFilter: false,
      });
      expect(config.roles.generator.layout).toBe("raw");
    }
  });

  it("o1-mini's runs debug with GPT-4o-mini at temperature 1.0; self-debug on GPT-4o-mini runs at 1.0", () => {
    for (const name of ["sstar-o1-mini", "self-debug-o1-mini"]) {
      const debug = roleConfig(loadRunConfig(name), "debugger");
      expect(debug.model, name).toBe(GPT_4O_MINI);
      expect(debug.sampling.temperature, name).toBe(1);
    }
    const sd = loadRunConfig("self-debug-gpt-4o-mini");
    expect(sd.roles.generator.sampling.temperature).toBe(1);
    expect(roleConfig(sd, "debugger").sampling.temperature).toBe(1);
    expect(roleConfig(loadRunConfig("sstar-r1-distill-qwen-7b"), "debugger").sampling.temperature).toBe(0.7);
  });

  it("raw paths send no temperature or max_tokens; each has a -pinned twin that does", () => {
    for (const name of reproductions.filter((n) => !n.endsWith("-pinned"))) {
      const config = loadRunConfig(name);
      if (config.roles.generator.layout !== "raw") {
        expect(names, name).not.toContain(`${name}-pinned`);
        continue;
      }
      expect(config.roles.generator.sampling, name).toEqual({});
      const pinned = loadRunConfig(`${name}-pinned`).roles.generator.sampling;
      expect(pinned.temperature, name).toBeTypeOf("number");
      expect(pinned.maxTokens, name).toBeTypeOf("number");
      expect(loadRunConfig(`${name}-pinned`).description).toMatch(/round 0 sends temperature/);
    }
    expect(loadRunConfig("sstar-r1-distill-qwen-14b-pinned").roles.generator.sampling).toEqual({
      temperature: 0.6,
      topP: 0.95,
      maxTokens: 32768,
    });
  });

  it("zero-shot is one raw call, the step-by-step system prompt only for local models", () => {
    const local = loadRunConfig("zero-shot-qwq-32b-preview");
    expect(local.budget).toMatchObject({ n: 1, rounds: 1 });
    expect(local.roles.generator.systemPrompt).toMatch(/think step-by-step/);
    expect(loadRunConfig("zero-shot-gpt-4o-mini").roles.generator.systemPrompt).toBeUndefined();
  });

  it("self-debug is N=1, R=3 with the reference's seed 40", () => {
    for (const m of PAPER_MODELS) {
      const config = loadRunConfig(`self-debug-${m.key}`);
      expect(config.budget).toMatchObject({ n: 1, rounds: 3 });
      expect(config.seed).toBe(40);
    }
  });
});

describe("starter code in generation prompts", () => {
  const free = names.filter((n) => !REPRODUCTION_PRESETS.has(n) && loadRunConfig(n).grader === "lcb");

  it("is shown by every lcb-graded preset not bound to the reference's prompts", () => {
    expect(free).toContain("demo");
    for (const name of free) {
      const role = loadRunConfig(name).roles.generator;
      expect(role.showStarterCode, name).toBe(true);
      const messages = generationMessages(callProblem, role.layout, role);
      const text = messages.map((m) => m.content).join("\n");
      expect(text, name).toContain("def maxSum(self, nums: List[int]) -> int:");
      // The debug trace starts from the same question text.
      expect(questionText(callProblem, role.showStarterCode)).toContain("class Solution:");
    }
  });

  it("is not shown by reproduction presets (the reference's verbatim prompts)", () => {
    for (const name of reproductions) {
      const role = loadRunConfig(name).roles.generator;
      const text = generationMessages(callProblem, role.layout, role)
        .map((m) => m.content)
        .join("\n");
      expect(text, name).not.toContain("def maxSum");
    }
  });
});

describe("per-try sampling", () => {
  it("sends each try's temperature and never the try list or the seed", () => {
    const sampling = { temperature: 0.71, maxTokens: 1000, seed: 3, tryTemperatures: [0.71, 0.72, 0.73] };
    expect(samplingForTry(sampling, 0)).toEqual({ temperature: 0.71, maxTokens: 1000 });
    expect(samplingForTry(sampling, 2)).toEqual({ temperature: 0.73, maxTokens: 1000 });
    expect(samplingForTry(sampling, 5)).toEqual({ temperature: 0.73, maxTokens: 1000 });
    expect(samplingForTry(sampling)).toEqual({ temperature: 0.71, maxTokens: 1000 });
    expect(samplingForTry({ temperature: 0.7 }, 1)).toEqual({ temperature: 0.7 });
  });

  describe("over HTTP against the simulated endpoint", () => {
    const temperatures: (number | undefined)[] = [];
    // A test generator that never answers in a parsable form: every try is used.
    const responder: Responder = {
      respond: (request) => {
        temperatures.push(request.temperature);
        return { text: "I cannot think of any tests.", role: "test_inputs", outcome: "malformed" };
      },
    };
    let server: SimulatorServer;
    let url: string;
    beforeAll(async () => {
      // o1-mini's 65536-token cap needs a context that holds it.
      server = createSimulatorServer({ responder, config: { latency: "zero", maxModelLen: 131072 } });
      ({ url } = await server.listen(0, "127.0.0.1"));
    });
    afterAll(async () => server?.close());

    async function generatedTestsWith(config: RunConfig): Promise<number> {
      temperatures.length = 0;
      const dir = tempDir("presets-tries");
      const synthesis = new TestSynthesis({
        problem: callProblem,
        config,
        codes: new Map(),
        llm: new OpenAiGateway(new LocalKeyedStore(join(dir, "llm"))),
        executor: new CachedExecutor(
          async () => {
            throw new Error("nothing runs here");
          },
          new LocalKeyedStore(join(dir, "exec")),
        ),
        rng: new SeededRandom(1),
        hidePredictedOutputs: false,
        payer: { runId: "r", budgetSetting: "n=1,r=1", problemId: callProblem.id, activity: "a", attempt: 1 },
      });
      return synthesis.generatedTestCount();
    }

    it("the reference's three tries ask at 0.71, 0.72 and 0.73; an o1 test generator tries once at 1.0", async () => {
      const ref = loadRunConfig("sstar-qwen2.5-coder-7b", { endpoint: url, model: "sstar-sim" });
      expect(await generatedTestsWith(ref)).toBe(0);
      expect(temperatures).toEqual([0.71, 0.72, 0.73]);

      const o1 = loadRunConfig("majority-vote-qwen2.5-coder-7b", { endpoint: url, model: "sstar-sim" });
      expect(await generatedTestsWith(o1)).toBe(0);
      expect(temperatures).toEqual([1]);
    });
  });
});

describe("sstar presets", () => {
  it("lists every preset with name, model, N, R, grader and description (--json), and as a table", async () => {
    const json = await runSstar(["presets", "--json"]);
    expect(json.code, json.stderr).toBe(0);
    const listed = JSON.parse(json.stdout) as Record<string, unknown>[];
    expect(listed.map((p) => p.name)).toEqual(names);
    for (const p of listed)
      expect(Object.keys(p).sort()).toEqual(["description", "grader", "model", "n", "name", "r"]);
    expect(listed.find((p) => p.name === "self-debug-o1-mini")).toMatchObject({
      model: "o1-mini",
      n: 1,
      r: 3,
    });
    expect(presetCatalog()).toEqual(listed);

    const table = await runSstar(["run", "--list-presets"]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(
      /majority-vote-qwen2\.5-coder-32b\s+Qwen\/Qwen2\.5-Coder-32B-Instruct\s+16\s+1\s+lcb/,
    );
  });
});
