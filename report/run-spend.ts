/**
 * A run's whole spend by stage from its per-problem outcomes (pure). When the run followed its
 * pilot in the same data folder, it reused the pilot's completions and paid little or nothing for
 * those problems; their spend is then the pilot's, which is what the run consumed.
 */
import type { ProblemOutcome } from "../method/pipeline-records";
import type { StageTokens } from "./price-usage";

const tokensOf = (o: ProblemOutcome) =>
  Object.values(o.usage).reduce((s, u) => s + (u?.prompt ?? 0) + (u?.completion ?? 0), 0);

export function runSpendByStage(
  run: readonly ProblemOutcome[],
  pilot: readonly ProblemOutcome[] = [],
): { byStage: Record<string, StageTokens>; reusedPilot: boolean } {
  const pilotOf = new Map(pilot.map((o) => [o.problemId, o]));
  const byStage: Record<string, StageTokens> = {};
  let reusedPilot = false;
  for (const outcome of run) {
    const fromPilot = pilotOf.get(outcome.problemId);
    const reused = fromPilot !== undefined && tokensOf(fromPilot) > tokensOf(outcome);
    reusedPilot ||= reused;
    for (const [stage, u] of Object.entries((reused ? fromPilot : outcome).usage)) {
      if (!u) continue;
      const t = byStage[stage] ?? { requests: 0, prompt: 0, completion: 0, reasoning: 0 };
      t.requests += u.requests;
      t.prompt += u.prompt;
      t.completion += u.completion;
      t.reasoning = (t.reasoning ?? 0) + u.reasoning;
      byStage[stage] = t;
    }
  }
  return { byStage, reusedPilot };
}
