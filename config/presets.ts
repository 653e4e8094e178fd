/**
 * Run presets: the paper's runs (method doc §5) for each of its 12 models, with the reference's
 * role assignments and sampling quirks, and the `demo` preset on the built-in simulator. Presets
 * are plain config objects, validated like a user's file; flags and files override them. Each
 * preset's `description` says what it runs and what, if anything, it changes from the reference
 * (docs/presets.md).
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
// The script's --temperature for o1-mini runs: o1 models accept no other, and the DSPy debugger
// of those runs inherits it.
const DSPY_26_T1 = { temperature: 1, maxTokens: 1000 };
// The reference's test generator: 0.7 + 0.01·k on tries k = 1, 2, 3 (retrying on a parse failure).
const TEST_GENERATION = { temperature: 0.71, maxTokens: 1000, tryTemperatures: [0.71, 0.72, 0.73] };
// An o1 test generator: temperature 1.0, one try, DSPy's o1 limit of 65536 tokens.
const O1_TEST_GENERATION = { temperature: 1, maxTokens: 65536, tryTemperatures: [1] };

const GPT_4O_MINI = "gpt-4o-mini-2024-07-18";
const O1_MINI = "o1-mini";
const mini = (sampling: object) => ({ endpoint: "openai", model: GPT_4O_MINI, layout: "dspy", sampling });

/** The reference's Stage 2 helpers: GPT-4o-mini writes tests, synthesizes inputs and judges. */
const REF_SELECTION_ROLES = {
  testGenerator: mini(TEST_GENERATION),
  inputSynthesizer: mini({ temperature: 0.71, maxTokens: 1000 }),
  judge: mini({ temperature: 0, maxTokens: 1000 }),
};

/** The reference's harness never resolves a renamed function; sstar does, in every stage. */
const EXECUTION = { entryPoint: "resolve", dictInputs: "keywords" };

/** How a model takes part in the reference's scripts (method doc §5.2, §5.3). */
interface ModelSpec {
  /** Preset name part, e.g. `qwen2.5-coder-7b`. */
  key: string;
  model: string;
  endpoint: "vllm" | "openai";
  /**
   * `dspy`: DSPy generation and self-debug (GPT-4o-mini, Qwen2.5-Coder-7B/14B/32B); `small`: raw
   * round 0, debugged by itself through DSPy (Qwen2.5-Coder-0.5B/1.5B/3B); `reasoning`: raw round
   * 0, debugged by GPT-4o-mini without reasoning in the trace (R1-Distill, QwQ, o1-mini).
   */
  path: "dspy" | "small" | "reasoning";
  /** The majority-vote baseline's test generator: o1-mini in 11 of the 12 scripts. */
  majorityTestGenerator: "o1-mini" | "gpt-4o-mini";
  /**
   * What the `-pinned` variants send where the reference leaves sampling to the server: the
   * model's published generation_config (temperature, top_p) and a fixed completion limit.
   */
  pinned: { temperature: number; topP?: number; maxTokens: number };
  /** The script's --temperature (1.0 for o1-mini; 0.7 elsewhere), which its DSPy debugger inherits. */
  debugSampling: object;
}

const QWEN_CODER_PINNED = { temperature: 0.7, topP: 0.8, maxTokens: 4096 };
const R1_PINNED = { temperature: 0.6, topP: 0.95, maxTokens: 32768 };

const coder = (size: string, path: "dspy" | "small"): ModelSpec => ({
  key: `qwen2.5-coder-${size.toLowerCase()}`,
  model: `Qwen/Qwen2.5-Coder-${size}-Instruct`,
  endpoint: "vllm",
  path,
  majorityTestGenerator: size === "32B" ? "gpt-4o-mini" : "o1-mini",
  pinned: QWEN_CODER_PINNED,
  debugSampling: DSPY_26,
});

const r1Distill = (size: string): ModelSpec => ({
  key: `r1-distill-qwen-${size.toLowerCase()}`,
  model: `deepseek-ai/DeepSeek-R1-Distill-Qwen-${size}`,
  endpoint: "vllm",
  path: "reasoning",
  majorityTestGenerator: "o1-mini",
  pinned: R1_PINNED,
  debugSampling: DSPY_26,
});

/** The paper's 12 models, in Table 1's order. */
export const PAPER_MODELS: readonly ModelSpec[] = [
  coder("0.5B", "small"),
  coder("1.5B", "small"),
  coder("3B", "small"),
  coder("7B", "dspy"),
  coder("14B", "dspy"),
  coder("32B", "dspy"),
  {
    key: "qwq-32b-preview",
    model: "Qwen/QwQ-32B-Preview",
    endpoint: "vllm",
    path: "reasoning",
    majorityTestGenerator: "o1-mini",
    pinned: { temperature: 0.7, topP: 0.8, maxTokens: 32768 },
    debugSampling: DSPY_26,
  },
  r1Distill("7B"),
  r1Distill("14B"),
  r1Distill("32B"),
  {
    key: "gpt-4o-mini",
    model: GPT_4O_MINI,
    endpoint: "openai",
    path: "dspy",
    majorityTestGenerator: "o1-mini",
    pinned: { temperature: 0.7, maxTokens: 4096 },
    debugSampling: DSPY_26,
  },
  {
    key: "o1-mini",
    model: O1_MINI,
    endpoint: "openai",
    path: "reasoning",
    majorityTestGenerator: "o1-mini",
    pinned: { temperature: 1, maxTokens: 65536 },
    debugSampling: DSPY_26_T1,
  },
];

type Sampling = Record<string, unknown>;

const dspyRole = (m: ModelSpec, sampling: object = DSPY_26) => ({
  endpoint: m.endpoint,
  model: m.model,
  layout: "dspy",
  sampling,
});

/**
 * The raw chat path: the reference sends no temperature and no max_tokens (`sampling: {}`), a
 * system message only to local models. `pinned` sends the model's defaults instead.
 */
function rawRole(m: ModelSpec, systemPrompt: string, pinned: boolean) {
  return {
    endpoint: m.endpoint,
    model: m.model,
    layout: "raw",
    sampling: pinned ? (m.pinned as Sampling) : {},
    ...(m.endpoint === "vllm" ? { systemPrompt } : {}),
  };
}

const o1TestGenerator = () => ({
  endpoint: "openai",
  model: O1_MINI,
  layout: "dspy",
  sampling: O1_TEST_GENERATION,
});

/** What every reproduction preset changes from the reference; each preset adds its own. */
const COMMON_CHANGES = [
  "call-based programs are called through sstar's entry-point resolution, with LeetCode's prelude (List, …) under either grader (the reference's prompts never show func_name and its bare exec lacked the prelude; docs/entry-points.md)",
  "graded with LiveCodeBench's grader (the reference graded with its own harness; --also-grade ref shows both)",
  "per-request seeds instead of the 0.0001 temperature step that only defeated DSPy's cache",
];
const RAW_CHANGES = [
  "code written without a fence is kept (the reference's raw path kept empty code)",
  "the prompt carries the instruction once (the reference repeated it per sample)",
];
const PINNED_CHANGE = (m: ModelSpec) =>
  `round 0 sends temperature ${m.pinned.temperature}${m.pinned.topP ? `, top_p ${m.pinned.topP}` : ""} and max_tokens ${m.pinned.maxTokens} (the reference sends none and takes the server's defaults)`;

function describe(what: string, changes: string[]): string {
  return `${what} Changes from the reference: ${changes.join("; ")}.`;
}

type Preset = Record<string, unknown>;

function headline(m: ModelSpec, pinned: boolean): Preset {
  const generator = m.path === "dspy" ? dspyRole(m) : rawRole(m, QWEN_SYSTEM, pinned);
  const debugger_ =
    m.path === "reasoning" ? mini(m.debugSampling) : m.path === "small" ? dspyRole(m) : generator;
  const paths = {
    dspy: "DSPy generation and self-debug",
    small: "raw round 0, debugged by itself through DSPy",
    reasoning: "raw round 0, debugged by GPT-4o-mini without reasoning in the trace",
  }[m.path];
  const raw = m.path !== "dspy";
  return {
    description: describe(
      `S* (Table 1) on ${m.model}: N=16, R=3, ${paths}; GPT-4o-mini writes tests, synthesizes inputs and judges.`,
      [...COMMON_CHANGES, ...(raw ? RAW_CHANGES : []), ...(pinned ? [PINNED_CHANGE(m)] : [])],
    ),
    dataset: LCB_V2,
    endpoints: ENDPOINTS,
    roles: { generator, debugger: debugger_, ...REF_SELECTION_ROLES },
    budget: { n: 16, rounds: 3, context: "all", includeReasoning: m.path !== "reasoning" },
    selection: [{ method: "sstar", mode: "ref", tieBreak: "lowest-index" }, { method: "oracle" }],
    grader: "lcb",
    execution: EXECUTION,
    seed: 42,
  };
}

function zeroShot(m: ModelSpec, pinned: boolean): Preset {
  return {
    description: describe(
      `Zero-shot baseline on ${m.model}: one raw chat call per problem${m.endpoint === "vllm" ? " with the reference's step-by-step system prompt" : ""}.`,
      [...COMMON_CHANGES.slice(0, 2), ...(pinned ? [PINNED_CHANGE(m)] : [])],
    ),
    dataset: LCB_V2,
    endpoints: ENDPOINTS,
    roles: { generator: rawRole(m, ZERO_SHOT_SYSTEM, pinned) },
    budget: { n: 1, rounds: 1 },
    selection: [{ method: "first" }],
    grader: "lcb",
    execution: EXECUTION,
    seed: 42,
  };
}

function majorityVote(m: ModelSpec, pinned: boolean): Preset {
  const testGenerator = m.majorityTestGenerator === "o1-mini" ? o1TestGenerator() : mini(TEST_GENERATION);
  return {
    description: describe(
      `Majority-vote baseline on ${m.model}: N=16 raw samples, R=1, the reference's agreement score over all samples (no public-test filter) on tests written by ${m.majorityTestGenerator === "o1-mini" ? "o1-mini (as in 11 of the reference's 12 scripts; the paper says GPT-4o-mini)" : "GPT-4o-mini (as in the reference's Qwen-32B script)"}.`,
      [...COMMON_CHANGES, ...RAW_CHANGES.slice(0, 1), ...(pinned ? [PINNED_CHANGE(m)] : [])],
    ),
    dataset: LCB_V2,
    endpoints: ENDPOINTS,
    roles: { generator: rawRole(m, QWEN_SYSTEM, pinned), testGenerator },
    budget: { n: 16, rounds: 1 },
    selection: [{ method: "majority_vote", score: "agreement", publicFilter: false }, { method: "oracle" }],
    grader: "lcb",
    execution: EXECUTION,
    seed: 42,
  };
}

function selfDebug(m: ModelSpec, pinned: boolean): Preset {
  // The reference's self-debug scripts run GPT-4o-mini at temperature 1.0, as generator and debugger.
  const sampling = m.key === "gpt-4o-mini" ? DSPY_26_T1 : DSPY_26;
  const generator = m.path === "dspy" ? dspyRole(m, sampling) : rawRole(m, QWEN_SYSTEM, pinned);
  const debugger_ =
    m.path === "reasoning" ? mini(m.debugSampling) : m.path === "small" ? dspyRole(m) : generator;
  return {
    description: describe(
      `Self-debugging baseline on ${m.model}: N=1, R=3 (1 generation, 2 debug rounds on the public tests)${m.path === "reasoning" ? ", debugged by GPT-4o-mini without reasoning in the trace" : ""}.`,
      [...COMMON_CHANGES, ...(m.path === "dspy" ? [] : RAW_CHANGES), ...(pinned ? [PINNED_CHANGE(m)] : [])],
    ),
    dataset: LCB_V2,
    endpoints: ENDPOINTS,
    roles: { generator, debugger: debugger_ },
    budget: { n: 1, rounds: 3, context: "all", includeReasoning: m.path !== "reasoning" },
    selection: [{ method: "self_debug" }],
    grader: "lcb",
    execution: EXECUTION,
    // The reference's random-selection runs use seed 40.
    seed: 40,
  };
}

const KINDS = {
  sstar: headline,
  "zero-shot": zeroShot,
  "majority-vote": majorityVote,
  "self-debug": selfDebug,
};

/** Whether a preset of this kind leaves a raw-path role's sampling to the server (then it has a pinned twin). */
function leavesSamplingToServer(kind: keyof typeof KINDS, m: ModelSpec): boolean {
  return kind === "zero-shot" || kind === "majority-vote" || m.path !== "dspy";
}

function paperPresets(): Record<string, () => object> {
  const out: Record<string, () => object> = {};
  for (const [kind, build] of Object.entries(KINDS) as [keyof typeof KINDS, typeof headline][]) {
    for (const m of PAPER_MODELS) {
      const name = `${kind}-${m.key}`;
      out[name] = () => ({ name, ...build(m, false) });
      if (leavesSamplingToServer(kind, m)) {
        const pinnedName = `${name}-pinned`;
        out[pinnedName] = () => ({ name: pinnedName, ...build(m, true) });
      }
    }
  }
  return out;
}

const PAPER_PRESETS = paperPresets();

/** Presets bound to the reference's verbatim prompts: they never show the starter code. */
export const REPRODUCTION_PRESETS: ReadonlySet<string> = new Set(Object.keys(PAPER_PRESETS));

export const PRESETS: Record<string, () => object> = {
  demo: () => ({
    name: "demo",
    description:
      "The one-machine demo: S* and the baselines on sstar's own demo problems, answered by the built-in simulated endpoint (kind profile). Not a reproduction: the generator is shown the starter code, as LiveCodeBench's own prompt does.",
    dataset: { path: "demo" },
    endpoints: { sim: { baseUrl: BUILTIN_SIMULATOR_URL, concurrency: 32 } },
    roles: {
      generator: {
        endpoint: "sim",
        model: "sstar-sim-coder",
        layout: "dspy",
        sampling: { temperature: 0.7, maxTokens: 2048 },
        showStarterCode: true,
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
  ...PAPER_PRESETS,
};
