// Saturation: does a paper-setting run (N=16, R=3) keep a vLLM-like endpoint's batch full?
// The simulator plays one vLLM server (max_num_seqs 32, per-token decode timing); sstar runs K
// synthetic problems against it. Figures: the endpoint's busy fraction between its first and last
// request, its mean batch fill while busy (sequences running ÷ max_num_seqs), and where the run's
// wall time went (the run's own time breakdown).
// Usage: npm run -s bench -- saturation [--problems 100] [--json]
import { mkdtempSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import type { RunSummary } from "../method/run-summary";
import { writeSyntheticProblems } from "../scripts/synthesize-problems";
import { flagOf, machine, runSstar, say, startSim, writeBenchConfig, writeResults } from "./bench-support";

export async function saturation(args: string[]): Promise<Record<string, unknown>> {
  const problems = Number(flagOf(args, "--problems", "100"));
  const n = 16;
  const rounds = 3;
  const maxNumSeqs = 32;
  const dir = mkdtempSync(join(tmpdir(), "sstar-bench-saturation-"));
  const dataset = join(dir, "problems.jsonl");
  await writeSyntheticProblems(dataset, problems);
  const sim = await startSim(
    join(dir, "sim"),
    [
      "latency: model",
      'models: ["sstar-sim-coder"]',
      "timing:",
      `  maxNumSeqs: ${maxNumSeqs}`,
      "  decodeTokensPerSecond: 200",
      "  prefillTokensPerSecond: 50000",
      "",
    ].join("\n"),
  );
  try {
    // The endpoint's batch, as a user of vLLM would state it (sstar learns it from /metrics otherwise).
    const config = writeBenchConfig(dir, {
      name: "bench-saturation",
      dataset,
      simUrl: sim.url,
      n,
      rounds,
      window: Math.min(problems, 500),
      maxNumSeqs,
      admission: flagOf(args, "--admission", "endpoint"),
    });
    say(
      `saturation: ${problems} problems, N=${n}, R=${rounds}, simulated vLLM with max_num_seqs ${maxNumSeqs}; data in ${dir}`,
    );
    // The endpoint's batch over time (every 10 s), to see where it ran short.
    const timeline: { t: number; running: number; waiting: number }[] = [];
    const t0 = Date.now();
    const sampler = setInterval(async () => {
      const s = await sim.stats().catch(() => undefined);
      if (s)
        timeline.push({ t: Math.round((Date.now() - t0) / 1000), running: s.running, waiting: s.waiting });
    }, 10_000);
    const simCpuBefore = sim.cpuSeconds();
    const run = await runSstar(join(dir, "data"), ["run", config, "--json"]);
    const simCpu = sim.cpuSeconds() - simCpuBefore;
    clearInterval(sampler);
    if (run.code !== 0) throw new Error(`sstar run exited ${run.code}: ${run.stderr.slice(-3000)}`);
    const summary = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}") as RunSummary;
    const stats = await sim.stats();
    const b = summary.time_breakdown_s;
    const round = (x: number, digits = 3) => Number(x.toFixed(digits));
    const figures = {
      problems: summary.problems,
      n,
      rounds,
      wall_s: round(b?.wall ?? run.wallSeconds, 1),
      endpoint_busy_fraction: round(stats.spanSeconds > 0 ? stats.busySeconds / stats.spanSeconds : 0),
      mean_batch_fill: round(
        stats.busySeconds > 0 ? stats.sequenceSeconds / stats.busySeconds / maxNumSeqs : 0,
      ),
      breakdown_s: {
        endpoint: round(b?.endpoint ?? 0, 1),
        sandbox: round(b?.sandbox ?? 0, 1),
        temporal: round(b?.temporal ?? 0, 1),
        idle: round(b?.idle ?? 0, 1),
      },
      endpoint_span_s: round(stats.spanSeconds, 1),
      max_num_seqs: maxNumSeqs,
      completion_tokens: stats.completionTokens,
      worker_peak_rss_mb: run.peakRssMb,
      // Where the 2 cores went: the worker process, the simulator, and the rest (Temporal's server,
      // the gVisor sandboxes); a CPU share near 1 means the CPU side, not the endpoint, sets the pace.
      cpu_s: {
        worker: run.workerCpuSeconds,
        simulator: round(simCpu, 1),
        other: round(Math.max(0, run.machineCpuSeconds - run.workerCpuSeconds - simCpu), 1),
        machine_share: round(run.machineCpuSeconds / (cpus().length * run.wallSeconds)),
      },
      errored: summary.errored,
      admission: flagOf(args, "--admission", "endpoint"),
      batch_timeline: timeline.map((x) => `${x.t}s:${x.running}+${x.waiting}`).join(" "),
      machine: machine(),
      date: new Date().toISOString(),
    };
    writeResults("saturation", figures, [
      `\`npm run -s bench -- saturation --problems ${problems}\`: sstar's synthetic problems (scripts/synthesize-problems.ts) at N=${n}, R=${rounds}, selection S*, against \`sstar sim\` playing one vLLM server (max_num_seqs ${maxNumSeqs}, 200 tokens/s per sequence, 50k prompt tokens/s). Busy fraction and batch fill are the simulator's own accounting between its first request and its last sequence; the breakdown is the run's (summary.json \`time_breakdown_s\`).`,
    ]);
    return figures;
  } finally {
    sim.stop();
  }
}
