/**
 * The simulated endpoint's one configuration object: its schema, defaults, validation and loading
 * from a JSON or YAML file. Every key is documented in docs/simulator.md.
 */
import { extname } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { readNamedText } from "../config/read-named-file";

/** The names `sstar sim` serves by default: the demo preset's `sstar-sim-coder` among them. */
export const DEFAULT_MODELS = ["sstar-sim", "sstar-sim-coder"] as const;

const rate = z.number().min(0).max(1);
const positive = z.number().positive();

const timingSchema = z.strictObject({
  /** Sequences in flight at most (vLLM's --max-num-seqs); each choice of `n` is one sequence. */
  maxNumSeqs: z.int().min(1).default(256),
  /** Prompt tokens per second the engine prefills, shared by the requests prefilling at once. */
  prefillTokensPerSecond: positive.default(8000),
  /** Tokens per second one sequence decodes when it is alone in the batch. */
  decodeTokensPerSecond: positive.default(40),
  /** Per-sequence decode rate = decodeTokensPerSecond / (1 + decodeSlowdown × (batch − 1)). */
  decodeSlowdown: z.number().min(0).default(0),
  /** How often a streaming response is handed the tokens decoded since the last time, in ms. */
  streamIntervalMs: z.number().min(1).max(1000).default(20),
});

const tokensSchema = z.strictObject({
  /** Tokens added to a chat prompt per message (the chat template's role markers). */
  perMessageOverhead: z.int().min(0).default(4),
  /** Tokens added once per chat prompt (the assistant turn the template opens). */
  perChatOverhead: z.int().min(0).default(3),
});

const faultsSchema = z
  .strictObject({
    rateLimit: z
      .strictObject({ rate: rate.default(0), retryAfterSeconds: z.number().min(0).default(1) })
      .prefault({}),
    serverError: z.strictObject({ rate: rate.default(0) }).prefault({}),
    unavailable: z
      .strictObject({ rate: rate.default(0), retryAfterSeconds: z.number().min(0).nullable().default(null) })
      .prefault({}),
    connectionReset: z.strictObject({ rate: rate.default(0) }).prefault({}),
    // setTimeout holds at most 2^31 − 1 ms (about 24.8 days).
    hang: z
      .strictObject({ rate: rate.default(0), seconds: z.number().min(0).max(2_000_000).default(600) })
      .prefault({}),
    truncate: z
      .strictObject({
        rate: rate.default(0),
        minKeepFraction: z.number().min(0).max(1).default(0.1),
        maxKeepFraction: z.number().min(0).max(1).default(0.9),
      })
      .prefault({}),
    malformedCode: z.strictObject({ rate: rate.default(0) }).prefault({}),
  })
  .superRefine((faults, ctx) => {
    const requestLevel =
      faults.rateLimit.rate +
      faults.serverError.rate +
      faults.unavailable.rate +
      faults.connectionReset.rate +
      faults.hang.rate;
    if (requestLevel > 1 + 1e-9) {
      ctx.addIssue({
        code: "custom",
        message: `the request-level fault rates (rateLimit, serverError, unavailable, connectionReset, hang) add up to ${requestLevel}, more than 1`,
      });
    }
    if (faults.truncate.minKeepFraction > faults.truncate.maxKeepFraction) {
      ctx.addIssue({
        code: "custom",
        path: ["truncate", "minKeepFraction"],
        message: "must not exceed truncate.maxKeepFraction",
      });
    }
  });

export const simConfigSchema = z.strictObject({
  /** Address `sstar sim` listens on. */
  host: z.string().min(1).default("127.0.0.1"),
  /** Port `sstar sim` listens on (0: any free port). */
  port: z.int().min(0).max(65535).default(8000),
  /**
   * Model names served (aliases of one simulated engine); the first one labels the metrics. The
   * default serves `sstar-sim` and `sstar-sim-coder` (the name the `demo` preset asks for).
   */
  models: z
    .array(z.string().min(1))
    .min(1)
    .default(() => [...DEFAULT_MODELS]),
  /** Seed of every draw the protocol half makes (faults, ids); handed to the behaviour half too. */
  seed: z.int().default(0),
  /** Unix seconds to report as every response's `created` (and the log's `time`); null: the wall clock. */
  fixedCreated: z.int().min(0).nullable().default(null),
  /** Largest `n` accepted in one request. */
  maxN: z.int().min(1).default(128),
  /** Context length (vLLM's --max-model-len): prompt plus completion tokens at most. */
  maxModelLen: z.int().min(1).default(32768),
  /** "model": the timing model below paces every response; "zero": answers at once (unit tests). */
  latency: z.enum(["model", "zero"]).default("model"),
  timing: timingSchema.prefault({}),
  tokens: tokensSchema.prefault({}),
  faults: faultsSchema.prefault({}),
  /** Opaque settings of the behaviour half (the Responder); not read by the protocol half. */
  behaviour: z.record(z.string(), z.unknown()).default({}),
});

/** The configuration with every default filled in. */
export type SimConfig = z.output<typeof simConfigSchema>;
/** What a file or a caller may give: any subset of SimConfig (nested objects may be partial too). */
export type SimConfigInput = z.input<typeof simConfigSchema>;
export type TimingConfig = SimConfig["timing"];
export type FaultsConfig = SimConfig["faults"];
export type TokensConfig = SimConfig["tokens"];

export class SimConfigError extends Error {
  constructor(
    message: string,
    /** One line per problem, each naming the key (`timing.maxNumSeqs: …`). */
    readonly problems: string[],
  ) {
    super(message);
    this.name = "SimConfigError";
  }
}

function keyPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(top level)" : out;
}

/**
 * Validates `input` and fills in defaults. Throws SimConfigError whose message names every bad key
 * (`source` prefixes it, e.g. the file name).
 */
export function parseSimConfig(input: unknown, source = "simulator config"): SimConfig {
  const result = simConfigSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => `${keyPath([...issue.path, key])}: unknown key`).join("; ");
    }
    return `${keyPath(issue.path)}: ${issue.message}`;
  });
  throw new SimConfigError(`${source}: ${problems.join("; ")}`, problems);
}

/** The configuration with every default. */
export function defaultSimConfig(): SimConfig {
  return parseSimConfig({});
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Deep-merges plain objects (arrays and scalars in `override` replace); `undefined` leaves `base`. */
export function mergeConfigInput(base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) out[key] = mergeConfigInput(base[key], value);
  return out;
}

/**
 * Reads a JSON (`.json`) or YAML (any other extension) file, deep-merges `overrides` over it (e.g.
 * command-line flags) and validates the result; errors name the file and the key.
 */
export function loadSimConfig(path: string, overrides?: SimConfigInput): SimConfig {
  let text: string;
  try {
    text = readNamedText(path);
  } catch (error) {
    throw new SimConfigError((error as Error).message, []);
  }
  let data: unknown;
  try {
    data = extname(path).toLowerCase() === ".json" ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new SimConfigError(
      `${path}: not valid ${extname(path) === ".json" ? "JSON" : "YAML"}: ${(error as Error).message}`,
      [],
    );
  }
  if (data !== null && data !== undefined && !isPlainObject(data)) {
    throw new SimConfigError(`${path}: (top level): expected an object`, ["(top level): expected an object"]);
  }
  return parseSimConfig(mergeConfigInput(data ?? {}, overrides), path);
}
