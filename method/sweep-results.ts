import type { RunConfig } from "../config/run-config";
import type { ModelUsage } from "../ledger/types";
import type { SettingResult, SettingSpend, SettingsFile } from "../report/setting-results";
import type { Stage, SweepProblemOutcome, UsageByStage } from "./pipeline-records";
import { ROLE_OF_STAGE } from "./run-summary";
import { budgetSettingLabel } from "./sweep-grid";
import { type SweepProblemSpend, settingSpends } from "./sweep-spend";

/** `sstar sweep --json`: one object, every setting with its pass@1 and its two spends. */
export interface SweepSummary {
  run_id: string;
  problems: number;
  settings: {
    setting: string;
    n: number;
    rounds: number;
    method: string;
    pass_at_1: number;
    by_difficulty: Record<string, number>;
    paid: SettingSpend;
    standalone: SettingSpend;
  }[];
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
const share = (hits: number, total: number) => (total === 0 ? 0 : round4(hits / total));

/**
 * A setting's spend in the shape reports read: tokens by stage, and by the (model, endpoint) that
 * played each stage's role (what prices apply to). Sandbox time is not attributed per setting.
 */
export function settingSpendOf(config: RunConfig, usage: UsageByStage): SettingSpend {
  const byStage: SettingSpend["byStage"] = {};
  const byModel = new Map<string, ModelUsage>();
  for (const [stage, u] of Object.entries(usage) as [Stage, NonNullable<UsageByStage[Stage]>][]) {
    byStage[stage] = { requests: u.requests, promptTokens: u.prompt, completionTokens: u.completion };
    const role = config.roles[ROLE_OF_STAGE[stage]] ?? config.roles.generator;
    const key = `${role.model}\u0000${role.endpoint}`;
    const m = byModel.get(key) ?? {
      model: role.model,
      endpoint: role.endpoint,
      requests: 0,
      promptTokens: 0,
      completionTokens: 0,
      cachedTokens: 0,
      reasoningTokens: 0,
      gpuSeconds: 0,
    };
    m.requests += u.requests;
    m.promptTokens += u.prompt;
    m.completionTokens += u.completion;
    m.reasoningTokens += u.reasoning;
    byModel.set(key, m);
  }
  const usageList = [...byModel.values()].sort((a, b) =>
    `${a.model}\u0000${a.endpoint}`.localeCompare(`${b.model}\u0000${b.endpoint}`),
  );
  return { byStage, usage: usageList, sandboxCpuSeconds: 0, sandboxWallSeconds: 0 };
}

/** Every setting of a sweep: pass@1 over its problems (and per difficulty), paid and standalone spend. */
export function sweepSettings(
  runId: string,
  config: RunConfig,
  grid: { n: number[]; rounds: number[]; methods: string[] },
  outcomes: SweepProblemOutcome[],
  spends: SweepProblemSpend[],
): SettingsFile {
  const difficulties = [...new Set(outcomes.map((o) => o.difficulty))].sort();
  const settings: SettingResult[] = settingSpends(grid, spends).map((s) => {
    const results = outcomes.map((o) => ({
      difficulty: o.difficulty,
      passed:
        o.settings.find((r) => r.n === s.n && r.rounds === s.rounds && r.method === s.method)?.passed ??
        false,
    }));
    return {
      setting: budgetSettingLabel(s),
      n: s.n,
      rounds: s.rounds,
      method: s.method,
      problems: results.length,
      passAt1: share(results.filter((r) => r.passed).length, results.length),
      byDifficulty: Object.fromEntries(
        difficulties.map((d) => {
          const split = results.filter((r) => r.difficulty === d);
          return [d, share(split.filter((r) => r.passed).length, split.length)];
        }),
      ),
      paid: settingSpendOf(config, s.paid),
      standalone: settingSpendOf(config, s.standalone),
    };
  });
  return { runId, kind: "sweep", settings };
}

/** The `--json` contract of `sstar sweep`. */
export function sweepSummary(file: SettingsFile): SweepSummary {
  return {
    run_id: file.runId,
    problems: Math.max(0, ...file.settings.map((s) => s.problems)),
    settings: file.settings.map((s) => ({
      setting: s.setting,
      n: s.n,
      rounds: s.rounds,
      method: s.method,
      pass_at_1: s.passAt1,
      by_difficulty: s.byDifficulty,
      paid: s.paid,
      standalone: s.standalone,
    })),
  };
}
