// Scale: K synthetic problems through a whole run on one machine (the simulator at zero latency,
// N=4, R=1): do they all finish, in how much worker memory, with how large Temporal histories and
// payloads, and does `sstar status` stay fast meanwhile?
// Usage: npm run -s bench -- scale [--problems 1000] [--window 500] [--json]
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunSummary } from "../method/run-summary";
import { writeSyntheticProblems } from "../scripts/synthesize-problems";
import {
  flagOf,
  historyFigures,
  machine,
  runSstar,
  say,
  startSim,
  timeStatus,
  writeBenchConfig,
  writeResults,
} from "./bench-support";

export async function scale(args: string[]): Promise<Record<string, unknown>> {
  const problems = Number(flagOf(args, "--problems", "1000"));
  const window = Number(flagOf(args, "--window", String(Math.min(problems, 500))));
  const dir = mkdtempSync(join(tmpdir(), "sstar-bench-scale-"));
  const dataset = join(dir, "problems.jsonl");
  await writeSyntheticProblems(dataset, problems);
  const sim = await startSim(join(dir, "sim"), 'latency: zero\nmodels: ["sstar-sim-coder"]\n');
  const dataDir = join(dir, "data");
  const statusMs: number[] = [];
  try {
    const config = writeBenchConfig(dir, {
      name: "bench-scale",
      dataset,
      simUrl: sim.url,
      n: 4,
      rounds: 1,
      window,
    });
    say(
      `scale: ${problems} problems, N=4, R=1, window ${window}, simulator at zero latency; data in ${dataDir}`,
    );
    let polling: NodeJS.Timeout | undefined;
    const run = await runSstar(dataDir, ["run", config, "--json"], {}, (runId) => {
      // `sstar status` as a user's script polls it, every 20 s while the run goes on.
      polling = setInterval(async () => statusMs.push(await timeStatus(dataDir, runId)), 20_000);
    });
    if (polling) clearInterval(polling);
    if (run.code !== 0 && run.code !== 1)
      throw new Error(`sstar run exited ${run.code}: ${run.stderr.slice(-3000)}`);
    const summary = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}") as RunSummary;
    say("scale: reading every workflow history");
    const history = await historyFigures(dataDir);
    const figures = {
      problems,
      completed: summary.problems - summary.errored,
      errored: summary.errored,
      wall_s: Number(run.wallSeconds.toFixed(1)),
      worker_peak_rss_mb: run.peakRssMb,
      max_history_events: history.maxHistoryEvents,
      max_history_workflow: history.maxHistoryWorkflow,
      max_payload_bytes: history.maxPayloadBytes,
      workflows: history.workflows,
      window,
      status_calls: statusMs.length,
      status_max_ms: Math.round(Math.max(0, ...statusMs)),
      problems_per_minute: Number(((summary.problems / run.wallSeconds) * 60).toFixed(1)),
      breakdown_s: summary.time_breakdown_s,
      machine: machine(),
      date: new Date().toISOString(),
    };
    writeResults(`scale-${problems}`, figures, [
      `\`npm run -s bench -- scale --problems ${problems} --window ${window}\`: sstar's synthetic problems (scripts/synthesize-problems.ts) at N=4, R=1, selection S*, \`sstar sim\` at zero latency, sandbox gVisor. Worker RSS: the \`sstar run\` process (hosting the worker), sampled every 250 ms. Histories: every workflow of the run (each continued-as-new run of the run workflow counted alone). \`sstar status\` timed as a process, every 20 s during the run.`,
    ]);
    return figures;
  } finally {
    sim.stop();
  }
}
