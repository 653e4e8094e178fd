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
    /** Further requests after an answer that cannot be parsed; then the sample is marked unparsable. */
    parseRetries: z.number().int().min(0).max(10).default(2),
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
  })
  .strict();

const SimpleSelection = z
  .object({ method: z.enum(["oracle", "first", "random", "generated_tests", "self_debug"]) })
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
        caps: CapsSchema.optional(),
      })
      .strict()
      .default({ n: 16, rounds: 3, context: "all", includeReasoning: true, testSuites: 1 }),
    selection: z
      .array(SelectionSchema)
      .min(1)
      .default([{ method: "sstar", mode: "ref", tieBreak: "lowest-index", hidePredictedOutputs: false }]),
    grader: z.enum(["lcb", "ref"]).default("lcb"),
    limits: z
      .object({
        timeSec: z.number().positive().max(600).optional(),
        memoryBytes: z.number().int().positive().optional(),
      })
      .strict()
      .default({}),
    seed: z.number().int().default(42),
    /** Problems in flight at once (child workflows of the run). */
    window: z.number().int().min(1).max(500).default(8),
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
