import type { RunConfig } from "../config/run-config";

/** What a budget setting is: samples per problem and total generation rounds. */
export interface BudgetSetting {
  n: number;
  rounds: number;
}

/** The ledger's label of a budget setting: `n=<N>,r=<rounds>` (e.g. `n=16,r=3`). */
export function budgetSettingLabel({ n, rounds }: BudgetSetting): string {
  return `n=${n},r=${rounds}`;
}

/**
 * The label of the budget setting a run configuration pays for. An adaptive budget is a setting of
 * its own (`n=16,r=3,adaptive`: at most N samples), so its spend never mixes with the fixed N's.
 */
export function runBudgetSetting(config: Pick<RunConfig, "budget">): string {
  const label = budgetSettingLabel(config.budget);
  return config.budget.policy === "adaptive" ? `${label},adaptive` : label;
}
