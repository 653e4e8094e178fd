import type { SelectionConfig } from "../config/run-config";
import type { SampleHistory, SelectionCandidateRef } from "./pipeline-records";

/**
 * A sweep's grid of budget settings: every (N, R) pair of its values, each selected with every
 * method. One run at the largest N and R serves them all, because sample i is the same request in
 * every setting (its cache key is its index) and refining a sample depends only on that sample:
 * N=8 is the first 8 samples of N=16, and R=2 is R=3 without its last round.
 */
export interface SweepGrid {
  /** Samples per problem, ascending, distinct. */
  n: number[];
  /** Total generation rounds (1 = generation only), ascending, distinct. */
  rounds: number[];
  methods: SelectionConfig[];
}

/** One (N, R) pair of a grid. */
export interface BudgetPoint {
  n: number;
  rounds: number;
}

/** The ledger's budget-setting label of (N, R), e.g. `n=4,r=2`. */
export { budgetSettingLabel } from "../spend/budget-setting";

/** The grid's (N, R) pairs, smallest N first, then smallest R. */
export function budgetPoints(grid: Pick<SweepGrid, "n" | "rounds">): BudgetPoint[] {
  return grid.n.flatMap((n) => grid.rounds.map((rounds) => ({ n, rounds })));
}

/** The setting that a sweep's single run must be: the largest N and the most rounds. */
export function largestPoint(grid: Pick<SweepGrid, "n" | "rounds">): BudgetPoint {
  return { n: Math.max(...grid.n), rounds: Math.max(...grid.rounds) };
}

/**
 * The (N, R) that pays for sample `sample`'s round `round` in a sweep: the smallest setting that
 * uses it (the smallest N above the sample's index and the fewest rounds that include the round).
 * Undefined when no setting of the grid uses it.
 */
export function payingPoint(
  grid: Pick<SweepGrid, "n" | "rounds">,
  sample: number,
  round: number,
): BudgetPoint | undefined {
  const n = grid.n.find((v) => v > sample);
  const rounds = grid.rounds.find((v) => v > round);
  return n === undefined || rounds === undefined ? undefined : { n, rounds };
}

/** Sorted, distinct values: the order every sweep computation relies on. */
export function normalizeGrid(grid: SweepGrid): SweepGrid {
  const sorted = (values: number[]) => [...new Set(values)].sort((a, b) => a - b);
  return { n: sorted(grid.n), rounds: sorted(grid.rounds), methods: grid.methods };
}

/**
 * The candidates of setting (N, R): the first N samples' programs as of round R-1 (a sample that
 * stopped early keeps its last program), each with its public-test score of that round.
 */
export function candidatesAt(histories: SampleHistory[], point: BudgetPoint): SelectionCandidateRef[] {
  return histories
    .filter((h) => h.index < point.n)
    .flatMap((h) => {
      const round = h.rounds.filter((r) => r.round < point.rounds && r.codeRef).at(-1);
      return round?.codeRef
        ? [
            {
              index: h.index,
              codeRef: round.codeRef,
              publicScore: round.publicTotal ? round.publicPassed / round.publicTotal : 0,
            },
          ]
        : [];
    });
}
