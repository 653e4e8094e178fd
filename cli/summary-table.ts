import type { CapEvent, CapsSummary } from "../method/budget-caps";
import type { RunSummary } from "../method/run-summary";
import { formatTable } from "./table";

const pct = (x: number | undefined) => (x === undefined ? "-" : `${(x * 100).toFixed(1)}`);

/** The run's results as tables: pass@1 per method and difficulty, oracle per round, tokens per stage. */
export function formatSummary(summary: RunSummary): string {
  const difficulties = [
    ...new Set(Object.values(summary.methods).flatMap((m) => Object.keys(m.by_difficulty))),
  ].sort();
  const methods = formatTable(
    ["method", "pass@1 %", ...difficulties.map((d) => `${d} %`)],
    Object.entries(summary.methods).map(([label, m]) => [
      label,
      pct(m.pass_at_1),
      ...difficulties.map((d) => pct(m.by_difficulty[d])),
    ]),
  );
  const oracle = formatTable(
    ["round", "oracle pass@N %", "mean share correct %"],
    summary.oracle.pass_at_n.map((p, r) => [String(r), pct(p), pct(summary.oracle.mean_correct_share[r])]),
  );
  const saved = summary.cache_saved ?? {};
  const tokens = formatTable(
    ["stage", "requests", "prompt tokens", "completion tokens", "from cache: requests", "from cache: tokens"],
    Object.entries(summary.tokens).map(([stage, t]) => [
      stage,
      String(t.requests),
      String(t.prompt),
      String(t.completion),
      String(saved[stage]?.requests ?? 0),
      String((saved[stage]?.prompt ?? 0) + (saved[stage]?.completion ?? 0)),
    ]),
  );
  const tokensSource =
    summary.tokens_source === "ledger"
      ? "tokens: what was paid, from the spend ledger; from cache: what the response cache answered without paying again"
      : "tokens: from the results; from cache: what the response cache answered without paying again";
  return [
    `run ${summary.run_id}: ${summary.problems} problems, N=${summary.budget.n}, R=${summary.budget.rounds}, grader ${summary.grader}`,
    ...(summary.errored
      ? [
          `${summary.errored} of them errored (counted as not passed):`,
          ...summary.errors.map((e) => `  ${e.problem}: ${e.stage}: ${e.error_class}: ${e.message}`),
        ]
      : []),
    ...(summary.worker_preemptions?.count
      ? [
          `survived ${summary.worker_preemptions.count} worker preemption(s): ${summary.worker_preemptions.events
            .map((e) => `${e.pod} (${e.reason})`)
            .join(", ")}`,
        ]
      : []),
    ...(summary.time_breakdown_s ? [breakdownLine(summary.time_breakdown_s)] : []),
    ...(summary.gpu_time
      ? [
          `GPU time: ${summary.gpu_time.gpu_seconds.toFixed(1)} GPU-s (${summary.gpu_time.idle_gpu_seconds.toFixed(1)} of it idle), metered on the vLLM pods`,
        ]
      : []),
    ...(summary.adaptive
      ? [
          `adaptive budget: ${summary.adaptive.samples_drawn} of ${summary.adaptive.samples_budget} samples drawn (${summary.adaptive.samples_saved} saved); stopped settled ${summary.adaptive.stopped.settled}, hopeless ${summary.adaptive.stopped.hopeless}, at budget ${summary.adaptive.stopped.budget}`,
        ]
      : []),
    ...(summary.skipped_rows?.count
      ? [
          `${summary.skipped_rows.count} bad dataset row(s) skipped (--skip-bad), not among the problems:`,
          ...summary.skipped_rows.first.map((line) => `  ${line}`),
        ]
      : []),
    "",
    methods,
    "",
    oracle,
    "",
    tokens,
    tokensSource,
    ...capsLines((summary as RunSummary & { caps?: CapsSummary }).caps),
  ].join("\n");
}

const describeCap = (c: CapEvent) =>
  `${c.scope} ${c.cap} cap ${c.limit} reached (${c.value}) at ${c.stage}${c.round === undefined ? "" : ` round ${c.round}`}: ${c.action}`;

/** Where and why spend caps changed the run (present only when caps are configured). */
function capsLines(caps: CapsSummary | undefined): string[] {
  if (!caps) return [];
  return [
    "",
    caps.run
      ? `run cap: ${describeCap(caps.run)} after ${caps.run.afterProblems ?? "?"} problems; ${caps.not_run} problems not run (not-run.json)`
      : "run cap: not reached",
    `problems that ran under a cap: ${caps.problems_capped.length}`,
    ...caps.problems_capped.map((c) => `  ${c.problem_id}: ${describeCap(c)}`),
  ];
}

/** `time: 812 s wall = endpoint 790 (97%), sandbox 12 (1%), temporal 8 (1%), idle 2 (0%)`. */
export function breakdownLine(b: {
  endpoint: number;
  sandbox: number;
  temporal: number;
  idle: number;
  wall: number;
}): string {
  const part = (name: string, seconds: number) =>
    `${name} ${seconds.toFixed(0)} (${b.wall > 0 ? ((100 * seconds) / b.wall).toFixed(0) : 0}%)`;
  return `time: ${b.wall.toFixed(0)} s wall = ${part("endpoint", b.endpoint)}, ${part("sandbox", b.sandbox)}, ${part("temporal", b.temporal)}, ${part("idle", b.idle)}`;
}
