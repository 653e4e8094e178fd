/**
 * The adaptive budget policy's stopping rule (docs/adaptive-budget.md): after each
 * wave of samples has been drawn and debugged, is the problem's evidence settled?
 */

/** What a problem's samples so far show, after their debug rounds. */
export interface WaveEvidence {
  /** Samples drawn so far, and the fixed budget (N) they are drawn against. */
  drawn: number;
  budget: number;
  /** Samples whose final program passes every public test. */
  publicPassing: number;
  /**
   * The sizes of the execution clusters among the public-passing samples on the synthesized inputs
   * (samples with the same outputs on every input form one cluster); empty when fewer than two pass.
   */
  passingClusters: number[];
  /** The best public-test score (passed ÷ total) of any sample's final program. */
  bestPublicScore: number;
}

export type WaveDecision =
  | { stop: false; next: number }
  | { stop: true; reason: "budget" | "settled" | "hopeless"; detail: string };

/** Agreement of this many public-passing samples settles a problem. */
export const SETTLED_AGREEMENT = 2;
/** A cluster this big, at least twice every other, dominates. */
export const DOMINANT_SIZE = 3;

/**
 * The rule, in order:
 * - the fixed budget is spent: stop (`budget`);
 * - at least two samples pass the public tests and all of them fall in one execution cluster on
 *   the synthesized inputs: more samples could only add members to that cluster or lose a
 *   tournament to it, so stop (`settled`);
 * - at least three public-passing samples agree and every other cluster is at most half as big:
 *   a further wave could overturn that majority only if it brought a cluster at least as big, which
 *   the samples so far make unlikely, and the tournament already has both sides to compare
 *   (`settled`, a dominant cluster);
 * - no sample passes a single public test after half the budget: the model does not understand
 *   the problem and more samples of the same prompt rarely change that, so stop (`hopeless`);
 * - otherwise draw the next wave (at most what is left of the budget).
 */
export function waveDecision(evidence: WaveEvidence, wave: number): WaveDecision {
  const { drawn, budget, publicPassing, passingClusters, bestPublicScore } = evidence;
  if (drawn >= budget) return { stop: true, reason: "budget", detail: `all ${budget} samples drawn` };
  const sizes = [...passingClusters].sort((a, b) => b - a);
  const [largest = 0, second = 0] = sizes;
  if (publicPassing >= SETTLED_AGREEMENT && sizes.length === 1)
    return {
      stop: true,
      reason: "settled",
      detail: `${publicPassing} public-passing samples agree on every synthesized input`,
    };
  if (largest >= DOMINANT_SIZE && largest >= 2 * second)
    return {
      stop: true,
      reason: "settled",
      detail: `${largest} of ${publicPassing} public-passing samples agree (clusters ${sizes.join(", ")})`,
    };
  if (bestPublicScore === 0 && drawn * 2 >= budget)
    return { stop: true, reason: "hopeless", detail: `no sample passed any public test in ${drawn}` };
  return { stop: false, next: Math.min(Math.max(1, wave), budget - drawn) };
}

/** The wave size: the configured one, else 4 (a quarter of the paper's N=16). */
export const waveSize = (configured: number | undefined, budget: number): number =>
  Math.min(configured ?? 4, budget);
