/**
 * How good are the simulated model's wrong programs? Builds the checked mutant pool for every
 * problem of leetcode_dev100 in the gVisor executor and reports, per mutation kind, how many mutants
 * were generated and the share that really fails at least one public or hidden test (the raw figure,
 * before equivalent mutants are reclassified as correct).
 *
 *   npx tsx bench/mutant-pool-quality.ts [--problems FILE] [--limit N] [--per-problem N] [--seed N]
 *                                        [--pool-size N] [--cache DIR | --fresh]
 *
 * Writes bench/results/mutant-pool-quality.json and .md.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { problemFromRow } from "../datasets/lcb-row";
import type { Problem } from "../datasets/problem";
import { readRows } from "../datasets/read-rows";
import { projectRoot } from "../runtime/paths";
import { createExecutor } from "../sandbox/create-executor";
import { buildMutantPool, MUTANT_KINDS, type MutantPoolStats } from "../simulator/mutants/mutant-pool";

const { values: args } = parseArgs({
  options: {
    problems: {
      type: "string",
      default: resolve(projectRoot, "../shared/data/leetcode/leetcode_dev100.jsonl"),
    },
    limit: { type: "string" },
    "per-problem": { type: "string", default: "12" },
    seed: { type: "string", default: "1" },
    "pool-size": { type: "string", default: "2" },
    cache: { type: "string", default: join(projectRoot, ".sstar", "mutant-pools") },
    fresh: { type: "boolean", default: false },
  },
});

const problems: Problem[] = [];
for await (const { row, where } of readRows(args.problems)) problems.push(problemFromRow(row, where));
const selected = args.limit ? problems.slice(0, Number(args.limit)) : problems;
const scratch = mkdtempSync(join(tmpdir(), "sstar-mutant-bench-"));
const cacheDir = args.fresh ? join(scratch, "cache") : args.cache;
const perProblem = Number(args["per-problem"]);
const seed = Number(args.seed);
const poolSize = Number(args["pool-size"]);

const executor = await createExecutor({ isolation: "gvisor", poolSize, dataDir: join(scratch, "data") });
const started = Date.now();
let stats: MutantPoolStats;
try {
  const pool = await buildMutantPool({
    problems: selected,
    executor,
    cacheDir,
    seed,
    perProblem,
    onProblem: (id, fromCache, done, total) => {
      const s = ((Date.now() - started) / 1000).toFixed(0);
      process.stderr.write(`[${done}/${total}] ${s}s ${id}${fromCache ? " (cache)" : ""}\n`);
    },
  });
  stats = pool.stats();
} finally {
  await executor.close();
  rmSync(join(scratch, "data"), { recursive: true, force: true });
}
const seconds = (Date.now() - started) / 1000;

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** A markdown table laid out as the formatter wants it: first column left-aligned, the others right. */
function table(header: string[], rows: (string | number)[][]): string[] {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(3, ...cells.map((r) => [...(r[c] ?? "")].length)));
  const pad = (text: string, c: number) => {
    const fill = " ".repeat((widths[c] ?? 0) - [...text].length);
    return c === 0 ? text + fill : fill + text;
  };
  const line = (r: string[]) => `| ${r.map(pad).join(" | ")} |`;
  const rule = widths.map((w, c) => (c === 0 ? "-".repeat(w) : `${"-".repeat(w - 1)}:`));
  return [line(header), `| ${rule.join(" | ")} |`, ...cells.slice(1).map(line)];
}
const report = {
  problemsFile: args.problems,
  perProblem,
  seed,
  isolation: "gvisor",
  poolSize,
  wallSeconds: seconds,
  fromCache: stats.cacheHits,
  ...stats,
};
const lines = [
  "# Mutant pool quality",
  "",
  `${selected.length} problems of \`${args.problems.split("/").pop()}\`, ${perProblem} mutants per problem ` +
    `(seed ${seed}), checked in gVisor (pool size ${poolSize}) against public + hidden tests.`,
  `Built in ${seconds.toFixed(0)} s wall (${stats.sandboxCalls} sandbox calls, ${stats.cacheHits} problems from cache; ` +
    `${stats.checkSeconds.toFixed(0)} s of checking summed over problems when checked).`,
  "",
  ...table(
    ["kind", "generated", "fail ≥ 1 test (raw)", "share", "equivalent", "fail a public test"],
    [
      ...MUTANT_KINDS.map((k) => {
        const s = stats.byKind[k];
        return [k, s.generated, s.failing, pct(s.rawFailingShare), s.equivalent, s.failsPublic];
      }),
      [
        "**all**",
        stats.generated,
        stats.wrong,
        `**${pct(stats.rawFailingShare)}**`,
        stats.equivalent,
        Object.values(stats.byKind).reduce((n, k) => n + k.failsPublic, 0),
      ],
    ],
  ),
  "",
  `- Raw failing share (generated mutants failing ≥ 1 public or hidden test): **${pct(stats.rawFailingShare)}**.`,
  `- Wrong pool after reclassifying the ${stats.equivalent} equivalent mutants as correct: ${stats.wrong} programs, ` +
    `${pct(stats.wrongPoolFailingShare)} fail ≥ 1 test; ${pct(stats.wrongFailsPublicShare)} fail a public test.`,
  `- Failure verdicts (a mutant counts once per distinct verdict): ${Object.entries(stats.verdicts)
    .map(([v, n]) => `${v} ${n}`)
    .join(", ")}.`,
  `- Correct programs (reference + checked rewrites + equivalent mutants): ${stats.correctPrograms}; ` +
    `rewrites rejected by the sandbox: ${stats.rejectedVariants}.`,
  `- Problems without a pool: ${stats.problemsWithoutPool.length === 0 ? "none" : stats.problemsWithoutPool.map((p) => `${p.id} (${p.reason})`).join("; ")}.`,
  "",
];
const outDir = join(projectRoot, "bench", "results");
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "mutant-pool-quality.json"), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(outDir, "mutant-pool-quality.md"), lines.join("\n"));
rmSync(scratch, { recursive: true, force: true });
console.log(lines.join("\n"));
