/**
 * The Pareto front of (spend, pass@1) points: the settings that no other setting beats on both
 * axes at once. Less spend is better, more pass@1 is better.
 */

export interface SpendPoint {
  spend: number;
  passAt1: number;
}

/** True when `a` is at least as good as `b` on both axes and strictly better on one. */
export function dominates(a: SpendPoint, b: SpendPoint): boolean {
  return a.spend <= b.spend && a.passAt1 >= b.passAt1 && (a.spend < b.spend || a.passAt1 > b.passAt1);
}

/**
 * Indices of the points on the front, ordered by spend (then by pass@1, best first). Identical
 * points do not dominate each other, so they are on the front together. Points with a non-finite
 * coordinate (e.g. an unpriced setting) are never on it.
 */
export function paretoFront(points: readonly SpendPoint[]): number[] {
  const finite = (p: SpendPoint) => Number.isFinite(p.spend) && Number.isFinite(p.passAt1);
  const front: number[] = [];
  points.forEach((p, i) => {
    if (!finite(p)) return;
    if (points.some((q, j) => j !== i && finite(q) && dominates(q, p))) return;
    front.push(i);
  });
  return front.sort((i, j) => {
    const a = points[i] as SpendPoint;
    const b = points[j] as SpendPoint;
    return a.spend - b.spend || b.passAt1 - a.passAt1 || i - j;
  });
}
