// Adaptive budget: the same problems under the fixed budget (every problem N samples, R rounds) and
// under `--adaptive` (samples in waves until the evidence settles), on the simulator's realistic
// profile. Figures: each policy's S* pass@1 and completion tokens (from the ledger, as the summary
// reports them), samples drawn, why problems stopped, and every method's pass@1 under both.
// Usage: npm run -s bench -- adaptive-budget [--problems 100] [--dataset rows.jsonl] [--json]
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunSummary } from "../method/run-summary";
import { projectRoot } from "../runtime/paths";
import { flagOf, machine, runSstar, say, startSim, writeResults } from "./bench-support";

const LEETCODE_DEV = join(projectRoot, "..", "shared", "data", "leetcode", "leetcode_dev100.jsonl");

function sstarKey(summary: RunSummary): string {
  const key = Object.keys(summary.methods).find((m) => m.startsWith("sstar"));
  if (!key) throw new Error("the demo preset's summary has no S* method");
  return key;
}

export async function adaptiveBudget(args: string[]): Promise<Record<string, unknown>> {
  const problems = Number(flagOf(args, "--problems", "100"));
  const dataset = flagOf(args, "--dataset", LEETCODE_DEV) as string;
  const n = 8;
  const rounds = 2;
  const dir = mkdtempSync(join(tmpdir(), "sstar-bench-adaptive-"));
  const sim = await startSim(join(dir, "sim"), "latency: zero\n", {
    problems: dataset,
    extraArgs: ["--profile", "realistic", "--seed", "13"],
  });
  try {
    const run = async (adaptive: boolean) => {
      const label = adaptive ? "adaptive" : "fixed";
      const runArgs = [
        "run",
        "demo",
        "--endpoint",
        sim.url,
        "--dataset",
        dataset,
        "--limit",
        String(problems),
      ];
      runArgs.push("-n", String(n), "-r", String(rounds), "--json", ...(adaptive ? ["--adaptive"] : []));
      say(`${label}: ${problems} problems at N=${n}, R=${rounds}`);
      // Separate data folders: a shared response cache would hand the second run the first's answers.
      const result = await runSstar(join(dir, label), runArgs);
      if (result.code !== 0)
        throw new Error(`${label} run exited ${result.code}: ${result.stderr.slice(-2000)}`);
      return { summary: JSON.parse(result.stdout) as RunSummary, wallSeconds: result.wallSeconds };
    };
    // Both at once: tokens and accuracy do not depend on timing, and the machine has two cores.
    const [fixed, adaptive] = await Promise.all([run(false), run(true)]);
    const key = sstarKey(fixed.summary);
    // Full labels: the demo preset runs S* in two modes, which a bare method name would merge.
    const passOf = (s: RunSummary) =>
      Object.fromEntries(Object.entries(s.methods).map(([m, v]) => [m, v.pass_at_1]));
    const tf = fixed.summary.tokens.total.completion;
    const ta = adaptive.summary.tokens.total.completion;
    const pf = fixed.summary.methods[key]?.pass_at_1 ?? 0;
    const pa = adaptive.summary.methods[key]?.pass_at_1 ?? 0;
    const figures = {
      problems,
      n,
      rounds,
      profile: "realistic",
      sstar_method: key,
      fixed_pass_at_1: pf,
      adaptive_pass_at_1: pa,
      pass_at_1_difference_problems: Math.round((pa - pf) * problems),
      fixed_completion_tokens: tf,
      adaptive_completion_tokens: ta,
      completion_tokens_ratio: Number((ta / tf).toFixed(3)),
      fixed_wall_s: Math.round(fixed.wallSeconds),
      adaptive_wall_s: Math.round(adaptive.wallSeconds),
      adaptive: adaptive.summary.adaptive,
      tokens_by_stage: {
        fixed: Object.fromEntries(Object.entries(fixed.summary.tokens).map(([s, t]) => [s, t.completion])),
        adaptive: Object.fromEntries(
          Object.entries(adaptive.summary.tokens).map(([s, t]) => [s, t.completion]),
        ),
      },
      pass_at_1_by_method: { fixed: passOf(fixed.summary), adaptive: passOf(adaptive.summary) },
      machine: machine(),
      dataset: dataset.replace(`${join(projectRoot, "..")}/`, "../"),
    };
    writeResults(problems === 100 ? "adaptive-budget" : `adaptive-budget-${problems}`, figures, [
      `Fixed budget vs \`--adaptive\`, \`sstar run demo -n ${n} -r ${rounds}\` on the simulator's realistic profile (seed 13), ${problems} LeetCode problems; tokens from the ledger. Both runs at once on ${machine()}.`,
    ]);
    return figures;
  } finally {
    sim.stop();
  }
}
