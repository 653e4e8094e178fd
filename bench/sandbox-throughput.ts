/**
 * Sandbox throughput: graded tests per second and time per program for the reference solutions of
 * leetcode_dev100 on all their public and private tests, (a) in gVisor sandboxes and (b) in the same
 * runner without gVisor, one after the other, pool of 2 each.
 *
 *   npx tsx bench/sandbox-throughput.ts [--limit N] [--dataset FILE] [--pool N]
 *
 * Writes bench/results/sandbox-throughput.json and .md.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { projectRoot } from "../runtime/paths";
import { createExecutor } from "../sandbox/create-executor";
import { runscExecutable } from "../sandbox/host-tools";
import type { RunnerPool } from "../sandbox/runner-pool";
import type { ExecutionRequest } from "../sandbox/types";

const DEFAULT_DATASET = join(projectRoot, "..", "shared", "data", "leetcode", "leetcode_dev100.jsonl");
const RESULTS_DIR = join(projectRoot, "bench", "results");
const UNSAFE_WARNING = "sstar: WARNING: running a model-written program WITHOUT a sandbox";

interface Problem {
  id: string;
  request: ExecutionRequest;
}

interface ModeFigures {
  isolation: "gvisor" | "process";
  programs: number;
  tests: number;
  notPassed: number;
  startSeconds: number;
  /** The host's 1-minute load average when the mode started: other work on the machine skews wall times. */
  loadBefore: number;
  seconds: number;
  testsPerSecond: number;
  programsPerSecond: number;
  /** Per program, as the caller sees it: request in, result out (the pool has an idle runner). */
  programMs: { p50: number; p99: number; mean: number };
  /** Per program, as the runner inside measures it: fork, load, all tests, grading. */
  runnerMs: { p50: number; p99: number; mean: number };
}

function parseList(value: unknown): { input: string; output: string }[] {
  return (typeof value === "string" ? JSON.parse(value) : (value ?? [])) as {
    input: string;
    output: string;
  }[];
}

function loadProblems(path: string, limit: number | undefined): Problem[] {
  const rows = readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return rows.slice(0, limit ?? rows.length).map((row) => {
    const metadata = (typeof row.metadata === "string" ? JSON.parse(row.metadata) : row.metadata) as {
      func_name: string;
    };
    const tests = [...parseList(row.public_test_cases), ...parseList(row.private_test_cases)].map((t) => ({
      input: t.input,
      expected: t.output,
    }));
    return {
      id: String(row.question_id),
      request: {
        program: String(row.reference_solution),
        kind: "call",
        funcName: metadata.func_name,
        grader: "lcb",
        tests,
      },
    };
  });
}

/** Busy and total jiffies of all the host's CPUs, from /proc/stat. */
function hostCpuTicks(): { busy: number; total: number } {
  const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "")
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

function summary(values: number[]): { p50: number; p99: number; mean: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  const round = (x: number) => Math.round(x * 10) / 10;
  return { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), mean: round(mean) };
}

interface ModeRun {
  figures: ModeFigures;
  python: string;
  programMs: number[];
  runnerMs: number[];
}

/** Runs every problem with as many in flight as the pool has runners, so no request waits in its queue. */
async function measure(
  isolation: "gvisor" | "process",
  problems: Problem[],
  poolSize: number,
): Promise<ModeRun> {
  const loadBefore = Math.round((loadavg()[0] ?? 0) * 100) / 100;
  const dataDir = mkdtempSync(join(tmpdir(), `sstar-bench-${isolation}-`));
  const startedAt = performance.now();
  const pool: RunnerPool = await createExecutor({
    isolation,
    unsafe: isolation === "process",
    poolSize,
    dataDir,
  });
  const startSeconds = (performance.now() - startedAt) / 1000;
  try {
    const probe = await pool.execute({
      program: "import sys\nprint(sys.version.split()[0])",
      kind: "stdin",
      mode: "collect",
      tests: [{ input: "" }],
    });
    const python = probe.tests[0]?.output?.trim() ?? "?";
    const programMs: number[] = [];
    const runnerMs: number[] = [];
    let tests = 0;
    let notPassed = 0;
    let next = 0;
    const cpuBefore = hostCpuTicks();
    const began = performance.now();
    const worker = async () => {
      for (let i = next++; i < problems.length; i = next++) {
        const problem = problems[i] as Problem;
        const sent = performance.now();
        const result = await pool.execute(problem.request);
        programMs.push(performance.now() - sent);
        runnerMs.push(result.wallMs);
        tests += result.tests.length;
        const failed = result.tests.filter((t) => t.outcome !== "passed").length;
        const missing = problem.request.tests.length - result.tests.length;
        if (failed + missing > 0 || result.compileError) {
          notPassed += failed + missing;
          console.error(
            `${isolation}: ${problem.id}: ${failed} failed, ${missing} not run ${result.compileError ?? ""}`,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: poolSize }, worker));
    const seconds = (performance.now() - began) / 1000;
    const cpuAfter = hostCpuTicks();
    const hostBusy = (cpuAfter.busy - cpuBefore.busy) / Math.max(1, cpuAfter.total - cpuBefore.total);
    console.log(`${isolation}: host CPU busy ${(hostBusy * 100).toFixed(0)}% while measuring`);
    return {
      python,
      programMs,
      runnerMs,
      figures: figuresOf(isolation, problems.length, tests, notPassed, seconds, programMs, runnerMs, {
        startSeconds,
        loadBefore,
      }),
    };
  } finally {
    await pool.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function figuresOf(
  isolation: "gvisor" | "process",
  programs: number,
  tests: number,
  notPassed: number,
  seconds: number,
  programMs: number[],
  runnerMs: number[],
  start: { startSeconds: number; loadBefore: number },
): ModeFigures {
  return {
    isolation,
    programs,
    tests,
    notPassed,
    startSeconds: Math.round(start.startSeconds * 100) / 100,
    loadBefore: start.loadBefore,
    seconds: Math.round(seconds * 100) / 100,
    testsPerSecond: Math.round(tests / seconds),
    programsPerSecond: Math.round((programs / seconds) * 10) / 10,
    programMs: summary(programMs),
    runnerMs: summary(runnerMs),
  };
}

/** Several rounds as one: totals over totals, percentiles over every program of every round. */
function combine(runs: ModeRun[]): ModeFigures {
  const sum = (pick: (f: ModeFigures) => number) => runs.reduce((n, r) => n + pick(r.figures), 0);
  const first = runs[0]?.figures as ModeFigures;
  return figuresOf(
    first.isolation,
    sum((f) => f.programs),
    sum((f) => f.tests),
    sum((f) => f.notPassed),
    sum((f) => f.seconds),
    runs.flatMap((r) => r.programMs),
    runs.flatMap((r) => r.runnerMs),
    {
      startSeconds: sum((f) => f.startSeconds) / runs.length,
      loadBefore: Math.max(...runs.map((r) => r.figures.loadBefore)),
    },
  );
}

function commandOutput(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch {
    return "unavailable";
  }
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length))) ?? [];
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join("  ")).join("\n");
}

/** Columns padded to equal width, as the repository's Markdown formatter writes tables. */
function markdownTable(rows: string[][]): string {
  const [head, ...body] = rows;
  const widths = (head ?? []).map((_, c) => Math.max(3, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(" | ")} |`;
  return [line(head ?? []), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

const ratioOf = (a: ModeFigures, b: ModeFigures) =>
  Math.round((a.testsPerSecond / b.testsPerSecond) * 1000) / 1000;

function row(label: string, f: ModeFigures): string[] {
  return [
    label,
    String(f.programs),
    String(f.tests),
    f.seconds.toFixed(2),
    String(f.testsPerSecond),
    f.programMs.p50.toFixed(1),
    f.programMs.p99.toFixed(1),
    f.runnerMs.p50.toFixed(1),
    f.runnerMs.p99.toFixed(1),
    String(f.loadBefore),
    String(f.notPassed),
  ];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      limit: { type: "string" },
      dataset: { type: "string" },
      pool: { type: "string" },
      rounds: { type: "string" },
    },
  });
  const limit = values.limit ? Number(values.limit) : undefined;
  const poolSize = values.pool ? Number(values.pool) : 2;
  const rounds = values.rounds ? Number(values.rounds) : 1;
  const dataset = values.dataset ?? DEFAULT_DATASET;
  const problems = loadProblems(dataset, limit);

  // The unsafe mode warns on every run by design; here the benchmark asked for it, so count instead.
  let warnings = 0;
  const consoleError = console.error;
  console.error = (...args: unknown[]) => {
    if (typeof args[0] === "string" && args[0].startsWith(UNSAFE_WARNING)) warnings++;
    else consoleError(...args);
  };

  const testCount = problems.reduce((n, p) => n + p.request.tests.length, 0);
  console.log(
    `${problems.length} reference solutions, ${testCount} tests, ${rounds} round(s) of (a) then (b)`,
  );
  const gvisorRuns: ModeRun[] = [];
  const processRuns: ModeRun[] = [];
  for (let round = 1; round <= rounds; round++) {
    const gvisor = await measure("gvisor", problems, poolSize);
    gvisorRuns.push(gvisor);
    console.log(`round ${round}: (a) gvisor ${gvisor.figures.testsPerSecond} tests/s`);
    const plain = await measure("process", problems, poolSize);
    processRuns.push(plain);
    console.log(`round ${round}: (b) process ${plain.figures.testsPerSecond} tests/s`);
  }
  console.error = consoleError;
  console.log(`(${warnings} unsafe-mode warnings of (b) suppressed)`);

  const gvisor = combine(gvisorRuns);
  const plain = combine(processRuns);
  const ratio = ratioOf(gvisor, plain);
  const roundRatios = gvisorRuns.map((g, i) => ratioOf(g.figures, (processRuns[i] as ModeRun).figures));
  const machine = {
    nproc: Number(commandOutput("nproc", [])),
    cpu: cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    runsc: commandOutput(runscExecutable(), ["--version"]).split("\n")[0] ?? "unknown",
    runscPlatform: process.env.SSTAR_RUNSC_PLATFORM ?? "ptrace (runsc's default)",
    python: gvisorRuns[0]?.python ?? "?",
    node: process.version,
  };
  const options = [
    limit ? ` --limit ${limit}` : "",
    values.pool ? ` --pool ${poolSize}` : "",
    rounds > 1 ? ` --rounds ${rounds}` : "",
  ].join("");
  const command = `npx tsx bench/sandbox-throughput.ts${options}`;
  const report = {
    date: new Date().toISOString(),
    command,
    dataset: dataset.replace(`${join(projectRoot, "..")}/`, "../"),
    poolSize,
    rounds: gvisorRuns.map((g, i) => ({
      gvisor: g.figures,
      process: processRuns[i]?.figures,
      ratioTestsPerSecond: roundRatios[i],
    })),
    machine,
    gvisor,
    process: plain,
    ratioTestsPerSecond: ratio,
    goal: "gvisor >= 0.7 x process (tests per second)",
    goalMet: ratio >= 0.7,
  };

  const header = [
    "isolation",
    "programs",
    "tests",
    "seconds",
    "tests/s",
    "p50 ms",
    "p99 ms",
    "runner p50",
    "runner p99",
    "load",
    "not passed",
  ];
  const rows = [header];
  if (rounds > 1) {
    gvisorRuns.forEach((g, i) => {
      rows.push(row(`round ${i + 1} (a) gvisor`, g.figures));
      rows.push(row(`round ${i + 1} (b) process`, (processRuns[i] as ModeRun).figures));
    });
  }
  rows.push(row(rounds > 1 ? "all (a) gvisor" : "(a) gvisor", gvisor));
  rows.push(row(rounds > 1 ? "all (b) process" : "(b) process", plain));
  const verdict = ratio >= 0.7 ? "met" : "not met";
  const perRound = rounds > 1 ? ` (per round: ${roundRatios.join(", ")})` : "";
  console.log(`\n${table(rows)}\n\nratio (a)/(b) tests/s: ${ratio}${perRound}; goal >= 0.7 ${verdict}`);

  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, "sandbox-throughput.json"), `${JSON.stringify(report, null, 2)}\n`);
  const markdown = [
    "# Sandbox throughput",
    "",
    `Date: ${report.date}. Command: \`${command}\`.`,
    "",
    `Reference solutions of \`${report.dataset}\` on all their public and private tests, lcb grader, ` +
      `call-based; pool of ${poolSize} runners, ${poolSize} programs in flight; (a) then (b), not concurrently. ` +
      "Per-program times: request to result as the caller sees it; runner times: measured inside the runner " +
      "(fork, load, all tests, grading). Sandbox start is not included (paid once per sandbox). " +
      "Load: the host's 1-minute load average when the run started (the highest of the rounds on the `all` rows); " +
      "other work on this machine slows both modes and makes their ratio noisy.",
    "",
    markdownTable(rows),
    "",
    `Ratio (a)/(b) of tests per second: **${ratio}**${perRound} (goal ≥ 0.7: ${verdict}).`,
    "",
    `Machine: nproc ${machine.nproc}, ${machine.cpu}, ${machine.memoryGiB} GiB; ${machine.runsc}, platform ` +
      `${machine.runscPlatform}; Python ${machine.python} (inside the runner); Node ${machine.node}.`,
    `Pool start (mean): (a) ${gvisor.startSeconds} s, (b) ${plain.startSeconds} s.`,
    "",
  ].join("\n");
  writeFileSync(join(RESULTS_DIR, "sandbox-throughput.md"), markdown);
  console.log(`wrote ${join("bench", "results", "sandbox-throughput.json")} and .md`);
}

await main();
