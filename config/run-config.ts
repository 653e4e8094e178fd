import { z } from "zod";

/**
 * A run's configuration. Every key is checked; an error names the key and why, and unknown keys
 * are errors too (a typo must not silently fall back to a default, as the reference's did).
 */

export const SamplingSchema = z
  .object({
    temperature: z.number().min(0).max(2).optional(),
    topP: z.number().gt(0).max(1).optional(),
    /** Completion cap. The `dspy-2.6` profile reproduces DSPy's default of 1000. */
    maxTokens: z.number().int().positive().optional(),
    /** Base of the per-request seed; the request seed also mixes in problem, sample and round. */
    seed: z.number().int().optional(),
    /**
     * Temperatures of a role's successive tries where it retries a call (the test generator: the
     * reference asks at 0.7 + 0.01·k for tries k = 1, 2, 3). Unset: `temperature` on every try.
     */
    tryTemperatures: z.array(z.number().min(0).max(2)).min(1).optional(),
  })
  .strict();

export const EndpointSchema = z
  .object({
    baseUrl: z.url(),
    /** Name of the environment variable holding the API key (never the key itself). */
    apiKeyEnv: z.string().min(1).optional(),
    timeoutSec: z.number().positive().default(600),
    /** Requests in flight to this endpoint from one worker. */
    concurrency: z.number().int().positive().default(16),
    /**
     * The server's batch (vLLM's --max-num-seqs), for admission by the endpoint's free slots;
     * unset: learned from its /metrics while requests wait.
     */
    maxNumSeqs: z.number().int().positive().optional(),
    /** Whether one request may ask for `n` > 1 completions (vLLM yes; some proxies no). */
    supportsN: z.boolean().default(true),
  })
  .strict();

export const RoleSchema = z
  .object({
    endpoint: z.string().min(1),
    model: z.string().min(1),
    /** `dspy`: the reference's DSPy ChatAdapter layout; `raw`: plain chat with a fenced answer. */
    layout: z.enum(["dspy", "raw"]).default("dspy"),
    systemPrompt: z.string().optional(),
    sampling: SamplingSchema.default({}),
    /**
     * Re-asks after an answer that cannot be parsed (paid under the `reask` stage). 0, the default,
     * is the reference's behaviour: the sample keeps empty code, which fails its tests, and its state
     * says why. A re-ask makes scores look better than the reference's.
     */
    parseRetries: z.number().int().min(0).max(10).default(0),
    /**
     * Show the problem's starter code (`class Solution: def <func_name>(...)`) in generation and
     * debug prompts and ask for code in that form, as LiveCodeBench's own prompt does. The
     * reference never shows it; presets bound to the reference's prompts keep this off.
     */
    showStarterCode: z.boolean().default(false),
  })
  .strict();

const SstarSelection = z
  .object({
    method: z.literal("sstar"),
    /** `ref`: per-test clustering, every cross-cluster pair, both orders. `algorithm1`: the paper's. */
    mode: z.enum(["ref", "algorithm1"]).default("ref"),
    tieBreak: z.enum(["lowest-index", "seeded-random"]).default("lowest-index"),
    /** Hide the LLM-predicted expected outputs from the judge (the reference shows them). */
    hidePredictedOutputs: z.boolean().default(false),
  })
  .strict();

const MajorityVoteSelection = z
  .object({
    method: z.literal("majority_vote"),
    /** `agreement`: the reference's pairwise agreement score; `largest_cluster`: the classic vote. */
    score: z.enum(["agreement", "largest_cluster"]).default("agreement"),
    /** The paper's baseline votes over all N samples, without filtering by public tests. */
    publicFilter: z.boolean().default(false),
  })
  .strict();

const LlmJudgeSelection = z
  .object({
    method: z.literal("llm_judge"),
    /** `generated_tests`: Table 3's test-aware judge; `code_only`: round-robin on code alone. */
    grounding: z.enum(["generated_tests", "code_only"]).default("generated_tests"),
    /**
     * `both`: each pair is judged in both orders and only a consistent verdict counts (the
     * reference's `_bt` judges; the default). `one`: one call per pair, 0 or 1
     * (`llm_judge_pairwise`; code only).
     */
    orders: z.enum(["both", "one"]).optional(),
  })
  .strict()
  .refine((m) => m.orders !== "one" || m.grounding === "code_only", {
    path: ["orders"],
    message:
      "the one-order judge is code-only (the reference's llm_judge_pairwise): set grounding: code_only",
  });

const SimpleSelection = z
  .object({
    method: z.enum([
      "oracle",
      "first",
      "random",
      "generated_tests",
      "self_debug",
      /** The reference's `timeout_tests`: among the best public scorers, the most large-input survivors. */
      "timeout_tests",
      /** The reference's `generated_tests_majority_llm`: per generated test, the LLM picks the right output cluster. */
      "generated_tests_majority_llm",
    ]),
  })
  .strict();

export const SelectionSchema = z.discriminatedUnion("method", [
  SstarSelection,
  MajorityVoteSelection,
  LlmJudgeSelection,
  SimpleSelection,
]);

export const SELECTION_METHODS = [
  "sstar",
  "majority_vote",
  "llm_judge",
  "oracle",
  "first",
  "random",
  "generated_tests",
  "self_debug",
  "timeout_tests",
  "generated_tests_majority_llm",
] as const;

const CapLimitsSchema = z
  .object({
    /** Prompt plus completion tokens. */
    tokens: z.number().int().positive().optional(),
    /** US dollars at the default price table's rates (ledger/default-prices.json), prompt tokens at the full input rate. */
    costUsd: z.number().positive().optional(),
  })
  .strict();

/** Spend caps, checked between stages (a stage in progress finishes, so spend may pass a cap by one stage). */
export const CapsSchema = z
  .object({
    /** Per problem: its own generation, refinement and selection. */
    problem: CapLimitsSchema.optional(),
    /** Per run: the problems finished so far (problems in flight count when they finish). */
    run: CapLimitsSchema.optional(),
    /**
     * When a problem reaches its cap: `stop_refining` (no more debug rounds; selection as configured)
     * or `skip_tournament` (no more debug rounds, and every LLM-calling selection method selects by
     * public tests instead: the first sample passing the most public tests).
     */
    onProblemCap: z.enum(["stop_refining", "skip_tournament"]).default("stop_refining"),
    /**
     * When the run reaches its cap: `stop_run` (start no more problems; problems in flight finish;
     * the rest are listed in not-run.json with the reason), or apply `stop_refining` /
     * `skip_tournament` to every problem started afterwards.
     */
    onRunCap: z.enum(["stop_run", "stop_refining", "skip_tournament"]).default("stop_run"),
  })
  .strict();

/** `sstar sweep`: a grid of budget settings served by one run at its largest N and R. */
export const SweepSchema = z
  .object({
    n: z.array(z.number().int().min(1).max(1024)).min(1),
    /** Total generation rounds (1 = generation only). */
    rounds: z.array(z.number().int().min(1).max(20)).min(1),
    /** Selection methods applied to every (N, R); default: `selection`. */
    methods: z.array(SelectionSchema).min(1).optional(),
  })
  .strict();

export const DatasetSchema = z
  .object({
    /** A dataset file (JSONL or JSON array, .gz accepted), a URL, or `demo` for the bundled problems. */
    path: z.string().min(1),
    difficulty: z.array(z.enum(["easy", "medium", "hard"])).optional(),
    platform: z.array(z.string().min(1)).optional(),
    /** Inclusive contest-date window (ISO dates). */
    from: z.iso.date().optional(),
    to: z.iso.date().optional(),
    ids: z.array(z.string().min(1)).optional(),
    offset: z.number().int().min(0).default(0),
    limit: z.number().int().positive().optional(),
    /** Skip rows that cannot be read (reported with file, line and field) instead of failing the run. */
    skipBad: z.boolean().default(false),
  })
  .strict();

export const RunConfigSchema = z
  .object({
    name: z.string().min(1).default("run"),
    /** What the run is; a reproduction preset says here what it changes from the reference, if anything. */
    description: z.string().optional(),
    dataset: DatasetSchema,
    endpoints: z.record(z.string(), EndpointSchema),
    roles: z
      .object({
        generator: RoleSchema,
        debugger: RoleSchema.optional(),
        testGenerator: RoleSchema.optional(),
        inputSynthesizer: RoleSchema.optional(),
        judge: RoleSchema.optional(),
      })
      .strict(),
    budget: z
      .object({
        n: z.number().int().min(1).max(1024).default(16),
        /** Total generation rounds: 1 generation plus up to rounds-1 debug rounds. */
        rounds: z.number().int().min(1).max(20).default(3),
        context: z.enum(["all", "last"]).default("all"),
        includeReasoning: z.boolean().default(true),
        testSuites: z.number().int().min(1).max(10).default(1),
        /**
         * `exit`: a sample stops once it passes every public test (S*). `refine`: it then keeps
         * refining against generated tests, AlphaCodium-style (the reference's
         * `--selfdebug_decision refine`; not part of S*).
         */
        selfDebugDecision: z.enum(["exit", "refine"]).default("exit"),
        caps: CapsSchema.optional(),
        /**
         * `fixed`: every problem gets N samples (the paper). `adaptive`: samples come in waves of
         * `wave` and a problem stops drawing once its evidence is settled (method/adaptive-budget.ts).
         */
        policy: z.enum(["fixed", "adaptive"]).optional(),
        wave: z.number().int().min(1).max(1024).optional(),
      })
      .strict()
      .default({
        n: 16,
        rounds: 3,
        context: "all",
        includeReasoning: true,
        testSuites: 1,
        selfDebugDecision: "exit",
      }),
    selection: z
      .array(SelectionSchema)
      .min(1)
      .default([{ method: "sstar", mode: "ref", tieBreak: "lowest-index", hidePredictedOutputs: false }]),
    grader: z.enum(["lcb", "ref"]).default("lcb"),
    /** Further graders every selected and oracle program is also graded with (e.g. `ref` beside `lcb`). */
    alsoGrade: z.array(z.enum(["lcb", "ref"])).default([]),
    execution: z
      .object({
        /**
         * How a call-based program's function is found. `resolve`: the one resolution every stage
         * shares (the row's func_name on `Solution` or the module, then a renamed or top-level
         * function that takes the test's arguments; docs/entry-points.md). `strict`: only what the
         * grader itself finds (LiveCodeBench: func_name exactly; the reference: the first name
         * before a parenthesis).
         */
        entryPoint: z.enum(["resolve", "strict"]).default("resolve"),
        /**
         * How a generated call test whose input is a JSON object is passed: `keywords` (the
         * reference: `f(**input)`) or `positional` (its values in order).
         */
        dictInputs: z.enum(["keywords", "positional"]).default("keywords"),
      })
      .strict()
      .default({ entryPoint: "resolve", dictInputs: "keywords" }),
    limits: z
      .object({
        timeSec: z.number().positive().max(600).optional(),
        memoryBytes: z.number().int().positive().optional(),
      })
      .strict()
      .default({}),
    seed: z.number().int().default(42),
    /** Problems in flight at once (child workflows of the run); with `admission: endpoint`, at most. */
    window: z.number().int().min(1).max(500).default(8),
    /**
     * `endpoint`: admit problems by the generator endpoint's free slots (its vLLM /metrics; see
     * method/admission.ts), up to `window`; unset or `window`: a fixed window.
     */
    admission: z.enum(["window", "endpoint"]).optional(),
    sweep: SweepSchema.optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    for (const [name, role] of Object.entries(config.roles)) {
      if (role && !(role.endpoint in config.endpoints)) {
        ctx.addIssue({
          code: "custom",
          path: ["roles", name, "endpoint"],
          message: `endpoint "${role.endpoint}" is not defined under endpoints (defined: ${Object.keys(config.endpoints).join(", ") || "none"})`,
        });
      }
    }
    if (config.dataset.from && config.dataset.to && config.dataset.from > config.dataset.to) {
      ctx.addIssue({ code: "custom", path: ["dataset", "to"], message: "is before dataset.from" });
    }
  });

export type RunConfig = z.infer<typeof RunConfigSchema>;
export type RoleConfig = z.infer<typeof RoleSchema>;
export type EndpointConfig = z.infer<typeof EndpointSchema>;
export type SelectionConfig = z.infer<typeof SelectionSchema>;
export type CapsConfig = z.infer<typeof CapsSchema>;
export type SweepConfig = z.infer<typeof SweepSchema>;
export type RoleName = "generator" | "debugger" | "testGenerator" | "inputSynthesizer" | "judge";

/** The role's settings, falling back to the generator's for roles not configured. */
export function roleConfig(config: RunConfig, role: RoleName): RoleConfig {
  return config.roles[role] ?? config.roles.generator;
}

/** Why a configuration is invalid, one line per problem, each naming its key. */
export function describeConfigError(error: z.ZodError, source: string): string {
  return error.issues
    .map((issue) => {
      const key = issue.path.length
        ? issue.path
            .map((p) => (typeof p === "number" ? `[${p}]` : String(p)))
            .join(".")
            .replace(/\.\[/g, "[")
        : "(top level)";
      return `${source}: ${key}: ${issue.message}`;
    })
    .join("\n");
}
