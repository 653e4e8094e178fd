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

/** The label of the budget setting a run configuration pays for. */
export function runBudgetSetting(config: RunConfig): string {
  return budgetSettingLabel(config.budget);
}
