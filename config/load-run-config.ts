import { existsSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { PRESETS } from "./presets";
import { readNamedText } from "./read-named-file";
import { describeConfigError, type RunConfig, RunConfigSchema } from "./run-config";

/** Flags that override the configuration for the common cases. */
export interface ConfigOverrides {
  endpoint?: string;
  model?: string;
  dataset?: string;
  limit?: number;
  n?: number;
  rounds?: number;
  seed?: number;
  /** Graders every selected and oracle program is also graded with (`--also-grade ref`). */
  alsoGrade?: string[];
  /** Skip bad dataset rows, counting them, instead of refusing the dataset (`--skip-bad`). */
  skipBad?: boolean;
  /** The adaptive budget policy (`--adaptive`). */
  adaptive?: boolean;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** A preset name, or a YAML/JSON file; then the overrides; then validation naming every bad key. */
export function loadRunConfig(configOrPreset: string, overrides: ConfigOverrides = {}): RunConfig {
  let raw: unknown;
  let source: string;
  if (PRESETS[configOrPreset]) {
    raw = PRESETS[configOrPreset]();
    source = `preset ${configOrPreset}`;
  } else if (existsSync(configOrPreset)) {
    source = configOrPreset;
    const text = readNamedText(configOrPreset);
    try {
      raw = configOrPreset.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
    } catch (err) {
      throw new ConfigError(
        `${source}: not valid ${configOrPreset.endsWith(".json") ? "JSON" : "YAML"}: ${(err as Error).message}`,
      );
    }
  } else {
    throw new ConfigError(
      `${configOrPreset}: neither a configuration file nor a preset (presets: ${Object.keys(PRESETS).join(", ")})`,
    );
  }
  const result = RunConfigSchema.safeParse(applyOverrides(raw, overrides));
  if (!result.success) throw new ConfigError(describeConfigError(result.error, source));
  return result.data;
}

type Loose = Record<string, unknown>;
const asObject = (value: unknown): Loose =>
  typeof value === "object" && value !== null ? (value as Loose) : {};

function applyOverrides(raw: unknown, o: ConfigOverrides): unknown {
  if (typeof raw !== "object" || raw === null) return raw;
  const config = structuredClone(raw) as Loose;
  const roles = Object.values(asObject(config.roles)).map(asObject);
  if (o.endpoint !== undefined) {
    // One endpoint for every role: the common case of a single vLLM server.
    const first = Object.values(asObject(config.endpoints)).map(asObject)[0] ?? {};
    config.endpoints = { override: { ...first, baseUrl: o.endpoint, apiKeyEnv: undefined } };
    for (const role of roles) role.endpoint = "override";
  }
  if (o.model !== undefined) for (const role of roles) role.model = o.model;
  if (o.dataset !== undefined) config.dataset = { ...asObject(config.dataset), path: o.dataset };
  if (o.limit !== undefined) config.dataset = { ...asObject(config.dataset), limit: o.limit };
  if (o.skipBad) config.dataset = { ...asObject(config.dataset), skipBad: true };
  if (o.n !== undefined) config.budget = { ...asObject(config.budget), n: o.n };
  if (o.rounds !== undefined) config.budget = { ...asObject(config.budget), rounds: o.rounds };
  if (o.seed !== undefined) config.seed = o.seed;
  if (o.adaptive) config.budget = { ...asObject(config.budget), policy: "adaptive" };
  if (o.alsoGrade !== undefined && o.alsoGrade.length > 0) {
    const listed = Array.isArray(config.alsoGrade) ? (config.alsoGrade as unknown[]) : [];
    config.alsoGrade = [...new Set([...listed, ...o.alsoGrade])];
  }
  return config;
}
