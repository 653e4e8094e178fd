import type { ModelUsage } from "../ledger/types";

/**
 * Spend attributed to one budget setting. Tokens are kept per (model, endpoint) so a report prices
 * them with the price table of its own day (costs are never stored).
 */
export interface SettingSpend {
  /** Tokens and requests per stage (`generate`, `refine`, `select`, ...). */
  byStage: Record<string, { requests: number; promptTokens: number; completionTokens: number }>;
  /** The LLM usage split by (model, endpoint): what prices apply to. */
  usage: ModelUsage[];
  sandboxCpuSeconds: number;
  sandboxWallSeconds: number;
}

/** One (N, R, selection method) setting of a run or a sweep, with its accuracy and spend. */
export interface SettingResult {
  /** The budget-setting label, as written in the ledger (e.g. `n=4,r=2`). */
  setting: string;
  n: number;
  rounds: number;
  /** `adaptive` when the setting drew its samples under the adaptive budget (at most n of them). */
  policy?: "adaptive";
  method: string;
  problems: number;
  passAt1: number;
  /** pass@1 per difficulty (`easy`, `medium`, `hard`, ...). */
  byDifficulty: Record<string, number>;
  /** What was actually paid for this setting in this run or sweep (samples shared with a smaller setting are paid by that one). */
  paid: SettingSpend;
  /** What this setting would cost run alone. */
  standalone: SettingSpend;
}

/** `<run dir>/settings.json`: written by `sstar run` (one setting per method) and `sstar sweep`. */
export interface SettingsFile {
  runId: string;
  kind: "run" | "sweep";
  settings: SettingResult[];
}

export const SETTINGS_FILE = "settings.json";
