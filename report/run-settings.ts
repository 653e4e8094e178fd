/**
 * The settings of a plain `sstar run`: one per selection method at the run's N and R. A run shares
 * generation and refinement between its methods, and its results keep tokens per stage, not per
 * method, so each method's standalone spend is attributed by stage: the shared stages plus the
 * selection stages that method calls (see SELECTION_STAGES). In a run, paid = standalone.
 */
import type { RunConfig } from "../config/run-config";
import type { Totals } from "../ledger/types";
import type { Stage } from "../method/pipeline-records";
import type { RunSummary } from "../method/run-summary";
import { runBudgetSetting } from "../spend/budget-setting";
import { usageOfStages } from "./price-usage";
import type { SettingResult, SettingSpend, SettingsFile } from "./setting-results";

/** Stages every method pays for: the N samples and their debug rounds. */
export const SHARED_STAGES: readonly Stage[] = ["generate", "refine"];

/**
 * The selection stages each method calls (method/selection.ts): generated tests (and the
 * generated-tests baseline's timeout inputs) are `test_inputs`; S*'s distinguishing inputs are
 * `adaptive_inputs`; tournaments judge with executions (`judge`) and fall back to code alone
 * (`fallback_judge`).
 */
export function selectionStagesOf(methodLabel: string): readonly Stage[] {
  const name = methodLabel.replace(/\(.*$/, "");
  switch (name) {
    case "sstar":
      return ["test_inputs", "adaptive_inputs", "judge", "fallback_judge"];
    case "llm_judge":
      return methodLabel.includes("grounding=code_only")
        ? ["fallback_judge"]
        : ["test_inputs", "judge", "fallback_judge"];
    case "majority_vote":
    case "generated_tests":
    case "timeout_tests":
      return ["test_inputs"];
    case "generated_tests_majority_llm":
      return ["test_inputs", "judge"];
    default:
      return [];
  }
}

function spendOfStages(summary: RunSummary, stages: readonly Stage[], config: RunConfig): SettingSpend {
  const byStage: SettingSpend["byStage"] = {};
  for (const stage of stages) {
    const t = summary.tokens[stage];
    if (!t || t.requests + t.prompt + t.completion === 0) continue;
    byStage[stage] = { requests: t.requests, promptTokens: t.prompt, completionTokens: t.completion };
  }
  const usage = usageOfStages(
    Object.fromEntries(
      Object.entries(byStage).map(([s, t]) => [
        s,
        { requests: t.requests, prompt: t.promptTokens, completion: t.completionTokens },
      ]),
    ),
    config.roles,
  );
  // Sandbox time is not in run results; the ledger has it once activities write there.
  return { byStage, usage, sandboxCpuSeconds: 0, sandboxWallSeconds: 0 };
}

/** One setting per selection method of a finished run, from its summary and configuration. */
export function settingsOfRun(summary: RunSummary, config: RunConfig): SettingsFile {
  const { n, rounds } = summary.budget;
  const settings: SettingResult[] = Object.entries(summary.methods).map(([method, m]) => {
    const spend = spendOfStages(summary, [...SHARED_STAGES, ...selectionStagesOf(method)], config);
    return {
      setting: runBudgetSetting(config),
      n,
      rounds,
      ...(config.budget.policy === "adaptive" ? { policy: "adaptive" as const } : {}),
      method,
      problems: summary.problems,
      passAt1: m.pass_at_1,
      byDifficulty: { ...m.by_difficulty },
      paid: spend,
      standalone: spend,
    };
  });
  return { runId: summary.run_id, kind: "run", settings };
}

/**
 * A run's settings with sandbox time from the ledger, which run results do not keep: each method is
 * given the sandbox time of every stage but the selection stages other methods call alone
 * (generation's public tests and grading are shared). Sweeps attribute their own; they are returned as they are.
 */
export function withLedgerSandbox(file: SettingsFile, ledger: Totals): SettingsFile {
  if (file.kind !== "run" || ledger.rows.length === 0) return file;
  const selectionStages = new Set(file.settings.flatMap((s) => selectionStagesOf(s.method)));
  return {
    ...file,
    settings: file.settings.map((s) => {
      const own = new Set(selectionStagesOf(s.method));
      const rows = ledger.rows.filter(
        (r) =>
          (r.key.budgetSetting === undefined || r.key.budgetSetting === s.setting) &&
          (!selectionStages.has(r.key.stage as Stage) || own.has(r.key.stage as Stage)),
      );
      const cpu = rows.reduce((sum, r) => sum + r.cpuSeconds, 0);
      const wall = rows.reduce((sum, r) => sum + r.wallSeconds, 0);
      const spend = { ...s.standalone, sandboxCpuSeconds: cpu, sandboxWallSeconds: wall };
      return { ...s, standalone: spend, paid: spend };
    }),
  };
}
