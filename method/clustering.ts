/**
 * Grouping candidates by what they print. Outputs are compared as strings: the runner's stdout
 * for stdin programs, the repr of the return value for call programs, and `Error: …` for a run
 * that raised or was killed (the reference's convention).
 */

export const isErrorOutput = (output: string): boolean => output.startsWith("Error:");

/** Candidates grouped by their output on one test, groups in order of first appearance. */
export function clusterByOutput(
  candidates: number[],
  outputOf: (candidate: number) => string,
  options: { dropErrors: boolean },
): number[][] {
  const groups = new Map<string, number[]>();
  for (const c of candidates) {
    const key = outputOf(c);
    if (options.dropErrors && isErrorOutput(key)) continue;
    const group = groups.get(key);
    if (group) group.push(c);
    else groups.set(key, [c]);
  }
  return [...groups.values()];
}

/** Candidates grouped by their outputs on every test at once (the paper's Algorithm 1). */
export function clusterBySignature(
  candidates: number[],
  outputs: (candidate: number) => string[],
): number[][] {
  return clusterByOutput(candidates, (c) => JSON.stringify(outputs(c)), { dropErrors: false });
}

/**
 * Identical programs collapse to one representative (the first), with the list of every sample
 * index that wrote it, so each distinct program is executed and judged once.
 */
export function dedupePrograms(codes: string[]): { representative: number; members: number[] }[] {
  const byCode = new Map<string, { representative: number; members: number[] }>();
  codes.forEach((code, index) => {
    const key = code.trim();
    const entry = byCode.get(key);
    if (entry) entry.members.push(index);
    else byCode.set(key, { representative: index, members: [index] });
  });
  return [...byCode.values()];
}
