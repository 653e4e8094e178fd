/**
 * Run presets: the paper's runs (method doc §5), with the reference's role assignments and
 * sampling quirks, and the `demo` preset on the built-in simulator. Presets are plain config
 * objects, validated like a user's file; flags and files override them.
 */

/** The endpoint URL that means "start sstar's built-in simulated endpoint for this run". */
export const BUILTIN_SIMULATOR_URL = "sim://builtin/v1";

const ENDPOINTS = {
  vllm: { baseUrl: "http://localhost:8000/v1" },
  openai: { baseUrl: "https://api.openai.com/v1", apiKeyEnv: "OPENAI_API_KEY" },
};

const LCB_V2 = { path: "lcb:release_v2" };
const QWEN_SYSTEM = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";
const ZERO_SHOT_SYSTEM =
  "You are a helpful and harmless assistant. You are Qwen developed by Alibaba. You should think step-by-step.";

// DSPy 2.6's LM default caps completions at 1000 tokens; the reference never raised it.
const DSPY_26 = { temperature: 0.7, maxTokens: 1000 };

const GPT_4O_MINI = "gpt-4o-mini-2024-07-18";
const mini = (sampling: object) => ({ endpoint: "openai", model: GPT_4O_MINI, layout: "dspy", sampling });

/** The reference's Stage 2 helpers: GPT-4o-mini writes tests, synthesizes inputs and judges. */
const REF_SELECTION_ROLES = {
  testGenerator: mini({ temperature: 0.71, maxTokens: 1000 }),
  inputSynthesizer: mini({ temperature: 0.71, maxTokens: 1000 }),
  judge: mini({ temperature: 0, maxTokens: 1000 }),
};

const HEADLINE = {
  budget: { n: 16, rounds: 3, context: "all", includeReasoning: true },
  selection: [{ method: "sstar", mode: "ref", tieBreak: "lowest-index" }, { method: "oracle" }],
  grader: "lcb",
  seed: 42,
};

function dspyModel(model: string, endpoint = "vllm") {
  return { endpoint, model, layout: "dspy", sampling: DSPY_26 };
}

/** Round 0 on the raw chat path: the reference sent no temperature and no max_tokens. */
function rawModel(model: string, endpoint = "vllm", systemPrompt: string | undefined = QWEN_SYSTEM) {
  return { endpoint, model, layout: "raw", sampling: {}, ...(systemPrompt ? { systemPrompt } : {}) };
}

function headlineDspy(name: string, model: string, endpoint = "vllm") {
  const generator = dspyModel(model, endpoint);
  return {
    name,
    dataset: LCB_V2,
    endpoints: ENDPOINTS,
    roles: { generator, debugger: generator, ...REF_SELECTION_ROLES },
    ...HEADLINE,
  };
}

/** Reasoning models: raw round 0, debugged by GPT-4o-mini without reasoning in the trace. */
function headlineReasoning(name: string, model: string, endpoint = "vllm", systemPrompt?: string) {
  return {
    name,
    dataset: LCB_V2,
    endpoints: ENDPOINTS,
    roles: {
      generator: rawModel(model, endpoint, systemPrompt),
      debugger: mini(DSPY_26),
      ...REF_SELECTION_ROLES,
    },
    ...HEADLINE,
    budget: { ...HEADLINE.budget, includeReasoning: false },
  };
}

const QWEN_CODER = (size: string) => `Qwen/Qwen2.5-Coder-${size}-Instruct`;
const R1_DISTILL = (size: string) => `deepseek-ai/DeepSeek-R1-Distill-Qwen-${size}`;

export const PRESETS: Record<string, () => object> = {
  demo: () => ({
    name: "demo",
    dataset: { path: "demo" },
    endpoints: { sim: { baseUrl: BUILTIN_SIMULATOR_URL, concurrency: 32 } },
    roles: {
      generator: {
        endpoint: "sim",
        model: "sstar-sim-coder",
        layout: "dspy",
        sampling: { temperature: 0.7, maxTokens: 2048 },
      },
    },
    budget: { n: 4, rounds: 2, context: "all", includeReasoning: true },
    selection: [
      { method: "sstar", mode: "ref" },
      { method: "sstar", mode: "algorithm1", tieBreak: "seeded-random" },
      { method: "majority_vote" },
      { method: "llm_judge" },
      { method: "first" },
      { method: "random" },
      { method: "oracle" },
    ],
    grader: "lcb",
    // The demo's slow programs overrun any limit; 2 s keeps the demo quick (LiveCodeBench uses 6 s).
    limits: { timeSec: 2 },
    seed: 42,
    window: 4,
  }),
  "sstar-gpt-4o-mini": () => ({
    ...headlineDspy("sstar-gpt-4o-mini", GPT_4O_MINI, "openai"),
    roles: { generator: mini(DSPY_26), ...REF_SELECTION_ROLES },
  }),
  ...Object.fromEntries(
    ["7B", "14B", "32B"].map((size) => [
      `sstar-qwen2.5-coder-${size.toLowerCase()}`,
      () => headlineDspy(`sstar-qwen2.5-coder-${size.toLowerCase()}`, QWEN_CODER(size)),
    ]),
  ),
  // The small Qwen coders started on the raw path and were debugged by themselves through DSPy.
  ...Object.fromEntries(
    ["0.5B", "1.5B", "3B"].map((size) => {
      const name = `sstar-qwen2.5-coder-${size.toLowerCase()}`;
      return [
        name,
        () => ({
          ...headlineDspy(name, QWEN_CODER(size)),
          roles: {
            generator: rawModel(QWEN_CODER(size)),
            debugger: dspyModel(QWEN_CODER(size)),
            ...REF_SELECTION_ROLES,
          },
        }),
      ];
    }),
  ),
  ...Object.fromEntries(
    ["7B", "14B", "32B"].map((size) => [
      `sstar-r1-distill-qwen-${size.toLowerCase()}`,
      () => headlineReasoning(`sstar-r1-distill-qwen-${size.toLowerCase()}`, R1_DISTILL(size)),
    ]),
  ),
  "sstar-qwq-32b-preview": () => headlineReasoning("sstar-qwq-32b-preview", "Qwen/QwQ-32B-Preview"),
  "sstar-o1-mini": () => {
    const preset = headlineReasoning("sstar-o1-mini", "o1-mini", "openai", undefined) as {
      roles: { generator: object };
    };
    preset.roles.generator = {
      endpoint: "openai",
      model: "o1-mini",
      layout: "raw",
      sampling: { temperature: 1 },
    };
    return preset;
  },
  "zero-shot-qwen2.5-coder-7b": () => ({
    name: "zero-shot-qwen2.5-coder-7b",
    dataset: LCB_V2,
    endpoints: ENDPOINTS,
    roles: { generator: rawModel(QWEN_CODER("7B"), "vllm", ZERO_SHOT_SYSTEM) },
    budget: { n: 1, rounds: 1 },
    selection: [{ method: "first" }],
    grader: "lcb",
    seed: 42,
  }),
  "majority-vote-qwen2.5-coder-7b": () => ({
    name: "majority-vote-qwen2.5-coder-7b",
    dataset: LCB_V2,
    endpoints: ENDPOINTS,
    roles: { generator: rawModel(QWEN_CODER("7B")), testGenerator: REF_SELECTION_ROLES.testGenerator },
    budget: { n: 16, rounds: 1 },
    selection: [{ method: "majority_vote", score: "agreement", publicFilter: false }, { method: "oracle" }],
    grader: "lcb",
    seed: 42,
  }),
  "self-debug-qwen2.5-coder-7b": () => ({
    name: "self-debug-qwen2.5-coder-7b",
    dataset: LCB_V2,
    endpoints: ENDPOINTS,
    roles: { generator: dspyModel(QWEN_CODER("7B")) },
    budget: { n: 1, rounds: 3, context: "all", includeReasoning: true },
    selection: [{ method: "self_debug" }],
    grader: "lcb",
    seed: 40,
  }),
};
