import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { pythonExecutable } from "../../sandbox/host-tools";
import type {
  ExecutionRequest,
  ExecutionResult,
  ProblemKind,
  ProgramExecutor,
  Verdict,
} from "../../sandbox/types";
import type { BankedProgram } from "../behaviour/program-bank";

/**
 * The simulated model's wrong (and extra correct) programs: syntax-tree mutants of each problem's
 * reference solution (made by mutate.py), checked against the problem's public and hidden tests in
 * the sandbox and cached on disk.
 *
 * Checking runs two requests per mutant: the public tests with `stopOnFailure: false` (so the pool
 * knows every public test a mutant fails, which the simulator's refine step turns into feedback),
 * then the hidden tests with `stopOnFailure: true` (a mutant is wrong as soon as one fails, and a
 * slow variant would otherwise pay the 6 s limit on every large test). The hidden run is skipped
 * when a public test already timed out. A mutant that passes everything is an equivalent mutant and
 * joins the correct programs.
 */

export const MUTATE_SCRIPT = fileURLToPath(new URL("./mutate.py", import.meta.url));

export const MUTANT_KINDS = [
  "off_by_one",
  "flipped_comparison",
  "dropped_branch",
  "wrong_constant",
  "slow_variant",
  "crash",
] as const;
export type MutantKind = (typeof MUTANT_KINDS)[number];

/** What the pool needs of a problem (datasets' `Problem` fits). */
export interface MutantProblem {
  id: string;
  kind: ProblemKind;
  funcName?: string;
  publicTests: { input: string; expected: string }[];
  privateTests: { input: string; expected: string }[];
  referenceSolution?: string;
}

export interface CheckedMutant {
  kind: MutantKind;
  /** What mutate.py changed, e.g. `< -> <= in i < n`. */
  description: string;
  program: string;
  /** Passed every public and hidden test: counted as correct. */
  equivalent: boolean;
  /** Indices of the public tests it fails (all of them were run). */
  failingPublic: number[];
  /** Index into the hidden tests of the first one it fails (the hidden run stops there). */
  firstFailingHidden?: number;
  /** Distinct failure verdicts, public first (`wrong_answer`, `runtime_error`, `time_limit`, …). */
  verdicts: Verdict[];
}

export interface WrongProgram {
  program: string;
  kind: MutantKind;
  description: string;
  failsPublic: boolean;
  /** Failing tests as indices into publicTests followed by privateTests (see `CheckedMutant`). */
  failingTests: number[];
  verdicts: string[];
}

interface ProblemEntry {
  version: number;
  problemId: string;
  key: string;
  /** Whether the reference itself passed every test (if not, its mutants are not trustworthy). */
  referencePasses: boolean;
  mutants: CheckedMutant[];
  /** Behaviour-preserving rewrites of the reference that passed every test. */
  variants: string[];
  rejectedVariants: number;
  error?: string;
  checkSeconds: number;
}

export interface KindStats {
  generated: number;
  /** Mutants that fail at least one public or hidden test. */
  failing: number;
  equivalent: number;
  failsPublic: number;
  /** failing / generated: the mutator's real quality. */
  rawFailingShare: number;
}

export interface MutantPoolStats {
  problems: number;
  /** Problems with a reference solution that passes its own tests, hence a pool. */
  problemsWithPool: number;
  /** Problems whose reference failed its tests, did not parse, or is missing. */
  problemsWithoutPool: { id: string; reason: string }[];
  generated: number;
  wrong: number;
  equivalent: number;
  /** Share of all generated mutants that fail at least one test, before reclassification. */
  rawFailingShare: number;
  /** Share of the wrong pool that fails at least one public or hidden test (1 by construction). */
  wrongPoolFailingShare: number;
  /** Share of the wrong pool that fails at least one public test. */
  wrongFailsPublicShare: number;
  byKind: Record<MutantKind, KindStats>;
  /** Wrong mutants per failure verdict (a mutant counts once per distinct verdict). */
  verdicts: Record<string, number>;
  correctPrograms: number;
  rejectedVariants: number;
  /** Sandbox executions this build made, and problems served from / written to the cache. */
  sandboxCalls: number;
  cacheHits: number;
  cacheMisses: number;
  /** Sandbox time spent checking, summed over problems (as recorded when they were checked). */
  checkSeconds: number;
}

export interface MutantPool {
  problemIds(): string[];
  wrongPrograms(problemId: string): WrongProgram[];
  /** The reference, its checked rewrites (a comment, renamed locals) and the equivalent mutants. */
  correctPrograms(problemId: string): string[];
  /** Every mutant as checked, equivalent ones included. */
  checkedMutants(problemId: string): CheckedMutant[];
  /** The pool in the simulator's ProgramBank shape. */
  bankedPrograms(problemId: string): BankedProgram[];
  stats(): MutantPoolStats;
}

export interface BuildMutantPoolOptions {
  problems: MutantProblem[];
  executor: ProgramExecutor;
  cacheDir: string;
  seed: number;
  /** Mutants generated per problem, spread round-robin over the kinds. */
  perProblem: number;
  /** Behaviour-preserving rewrites of the reference per problem. Default 2. */
  variantsPerProblem?: number;
  /** Problems checked at once (each sends all its mutants to the executor's queue). Default 2. */
  concurrency?: number;
  /** Called after each problem, with whether it came from the cache. */
  onProblem?: (problemId: string, fromCache: boolean, done: number, total: number) => void;
  /** Per-test time limit of the checks (the run's own, so a mutant is wrong under the limits it will meet). */
  timeSec?: number;
}

const CACHE_VERSION = 1;

interface MutateOutput {
  mutants: { kind: MutantKind; description: string; program: string }[];
  variants: string[];
  error?: string;
}

export interface MutateRequest {
  program: string;
  seed: number;
  max_per_kind: number;
  func_name?: string;
  variants?: number;
}

/**
 * Runs mutate.py on one program with the host's python3 (it parses and unparses only; the program
 * is never executed). `source` pins the script's text (the pool passes the text its cache key hashed).
 */
export function runMutate(request: MutateRequest, source?: string): Promise<MutateOutput> {
  return new Promise((resolve, reject) => {
    const args = source === undefined ? ["-I", MUTATE_SCRIPT] : ["-I", "-c", source];
    const child = spawn(pythonExecutable(), args, { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      err += d;
    });
    child.once("error", reject);
    child.once("close", (code) => {
      try {
        const parsed = JSON.parse(out) as MutateOutput;
        if (code !== 0 && !parsed.error) throw new Error(`exit ${code}`);
        resolve(parsed);
      } catch (e) {
        reject(new Error(`mutate.py failed (${(e as Error).message}): ${err.slice(-2000)}`));
      }
    });
    child.stdin.end(JSON.stringify(request));
  });
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The per-problem seed given to mutate.py. */
function problemSeed(seed: number, problemId: string): number {
  return Number.parseInt(sha256(`${seed}:${problemId}`).slice(0, 8), 16);
}

function entryKey(problem: MutantProblem, options: BuildMutantPoolOptions, mutateSource: string): string {
  return sha256(
    JSON.stringify({
      version: CACHE_VERSION,
      id: problem.id,
      reference: problem.referenceSolution,
      kind: problem.kind,
      funcName: problem.funcName,
      publicTests: problem.publicTests,
      privateTests: problem.privateTests,
      seed: options.seed,
      perProblem: options.perProblem,
      variants: options.variantsPerProblem ?? 2,
      timeSec: options.timeSec ?? null,
      mutate: sha256(mutateSource),
    }),
  );
}

/** Round-robin over the kinds, in mutate.py's order within a kind, up to `count`. */
function balanced<T extends { kind: string }>(items: T[], count: number): T[] {
  const byKind = new Map<string, T[]>();
  for (const item of items) byKind.set(item.kind, [...(byKind.get(item.kind) ?? []), item]);
  const out: T[] = [];
  for (let round = 0; out.length < count; round++) {
    let any = false;
    for (const list of byKind.values()) {
      const item = list[round];
      if (item !== undefined && out.length < count) {
        out.push(item);
        any = true;
      }
    }
    if (!any) break;
  }
  return out;
}

class Checker {
  calls = 0;
  constructor(
    private readonly executor: ProgramExecutor,
    private readonly timeSec?: number,
  ) {}

  private run(problem: MutantProblem, program: string, tests: MutantProblem["publicTests"], stop: boolean) {
    this.calls++;
    const request: ExecutionRequest = { program, kind: problem.kind, tests, stopOnFailure: stop };
    if (this.timeSec !== undefined) request.limits = { timeSec: this.timeSec };
    if (problem.funcName !== undefined) request.funcName = problem.funcName;
    return this.executor.execute(request);
  }

  /** Public tests all run, hidden ones up to the first failure. */
  async check(
    problem: MutantProblem,
    program: string,
  ): Promise<Pick<CheckedMutant, "equivalent" | "failingPublic" | "firstFailingHidden" | "verdicts">> {
    const verdicts = new Set<Verdict>();
    const failingPublic: number[] = [];
    let firstFailingHidden: number | undefined;
    const collect = (result: ExecutionResult, count: number, onFail: (i: number) => void) => {
      if (result.compileError !== undefined) {
        verdicts.add("compile_error");
        for (let i = 0; i < count; i++) onFail(i);
        return;
      }
      result.tests.forEach((t, i) => {
        if (t.outcome !== "passed" && t.outcome !== "ok") {
          verdicts.add(t.outcome);
          onFail(i);
        }
      });
    };
    if (problem.publicTests.length > 0) {
      const pub = await this.run(problem, program, problem.publicTests, false);
      collect(pub, problem.publicTests.length, (i) => failingPublic.push(i));
    }
    if (problem.privateTests.length > 0 && !verdicts.has("time_limit") && !verdicts.has("compile_error")) {
      const hidden = await this.run(problem, program, problem.privateTests, true);
      collect(hidden, problem.privateTests.length, (i) => {
        firstFailingHidden ??= i;
      });
    }
    const result: Pick<CheckedMutant, "equivalent" | "failingPublic" | "firstFailingHidden" | "verdicts"> = {
      equivalent: verdicts.size === 0,
      failingPublic,
      verdicts: [...verdicts],
    };
    if (firstFailingHidden !== undefined) result.firstFailingHidden = firstFailingHidden;
    return result;
  }
}

async function buildEntry(
  problem: MutantProblem,
  options: BuildMutantPoolOptions,
  key: string,
  checker: Checker,
  mutateSource: string,
): Promise<ProblemEntry> {
  const started = Date.now();
  const entry: ProblemEntry = {
    version: CACHE_VERSION,
    problemId: problem.id,
    key,
    referencePasses: false,
    mutants: [],
    variants: [],
    rejectedVariants: 0,
    checkSeconds: 0,
  };
  const reference = problem.referenceSolution;
  if (reference === undefined) return { ...entry, error: "no reference solution" };
  const ref = await checker.check(problem, reference);
  entry.referencePasses = ref.equivalent;
  if (!ref.equivalent) {
    entry.error = `the reference fails its own tests (${ref.verdicts.join(", ")})`;
    entry.checkSeconds = (Date.now() - started) / 1000;
    return entry;
  }
  const request: MutateRequest = {
    program: reference,
    seed: problemSeed(options.seed, problem.id),
    max_per_kind: options.perProblem,
    variants: options.variantsPerProblem ?? 2,
  };
  if (problem.funcName !== undefined) request.func_name = problem.funcName;
  const generated = await runMutate(request, mutateSource);
  if (generated.error) return { ...entry, error: generated.error };
  const chosen = balanced(generated.mutants, options.perProblem);
  const [mutants, variantChecks] = await Promise.all([
    Promise.all(chosen.map(async (m) => ({ ...m, ...(await checker.check(problem, m.program)) }))),
    Promise.all(generated.variants.map(async (v) => ({ program: v, ...(await checker.check(problem, v)) }))),
  ]);
  entry.mutants = mutants;
  entry.variants = variantChecks.filter((v) => v.equivalent).map((v) => v.program);
  entry.rejectedVariants = variantChecks.length - entry.variants.length;
  entry.checkSeconds = (Date.now() - started) / 1000;
  return entry;
}

function readEntry(file: string, key: string): ProblemEntry | undefined {
  try {
    const entry = JSON.parse(readFileSync(file, "utf8")) as ProblemEntry;
    return entry.version === CACHE_VERSION && entry.key === key ? entry : undefined;
  } catch {
    return undefined;
  }
}

function writeEntry(file: string, entry: ProblemEntry): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(entry, null, 1)}\n`);
  renameSync(tmp, file);
}

/**
 * Generates and checks the mutant pool of every problem, or loads it from `cacheDir` where a pool
 * with the same key (reference, tests, seed, sizes and mutate.py's content) was already checked.
 * Each problem is written to the cache as soon as it is checked, so an interrupted build resumes.
 */
export async function buildMutantPool(options: BuildMutantPoolOptions): Promise<MutantPool> {
  const growing = startMutantPool(options);
  await growing.done;
  return growing.pool;
}

/** A pool being built in the background: answers for the problems checked so far. */
export interface GrowingMutantPool {
  pool: MutantPool;
  /** Resolves once this problem's pool is checked (it goes to the front of the queue); unknown ids resolve at once. */
  ready(problemId: string): Promise<void>;
  /** Resolves when every problem is checked; rejects if a check failed. */
  done: Promise<void>;
}

/**
 * Starts building the pool, in the problems' order, `concurrency` problems at a time. A problem
 * asked for with `ready` jumps the queue, so a server can answer its first requests long before
 * the whole pool is checked (a clean machine needs minutes for a hundred problems).
 */
export function startMutantPool(options: BuildMutantPoolOptions): GrowingMutantPool {
  mkdirSync(options.cacheDir, { recursive: true });
  const mutateSource = readFileSync(MUTATE_SCRIPT, "utf8");
  const checker = new Checker(options.executor, options.timeSec);
  const entries = new Map<string, ProblemEntry>();
  const build = { sandboxCalls: 0, cacheHits: 0, cacheMisses: 0 };
  const byId = new Map(options.problems.map((p) => [p.id, p]));
  const waiting = new Map<
    string,
    { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void }
  >();
  const signal = (id: string) => {
    let w = waiting.get(id);
    if (!w) {
      let resolve!: () => void;
      let reject!: (e: Error) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // A failure reaches `done`; a waiter that never comes must not make it an unhandled rejection.
      promise.catch(() => {});
      w = { promise, resolve, reject };
      waiting.set(id, w);
    }
    return w;
  };
  let done = 0;
  const queue = [...options.problems];
  const worker = async () => {
    for (let problem = queue.shift(); problem !== undefined; problem = queue.shift()) {
      try {
        const key = entryKey(problem, options, mutateSource);
        const file = join(options.cacheDir, `${key.slice(0, 32)}.json`);
        let entry = readEntry(file, key);
        const fromCache = entry !== undefined;
        if (entry === undefined) {
          entry = await buildEntry(problem, options, key, checker, mutateSource);
          writeEntry(file, entry);
          build.cacheMisses++;
        } else build.cacheHits++;
        build.sandboxCalls = checker.calls;
        entries.set(problem.id, entry);
        signal(problem.id).resolve();
        options.onProblem?.(problem.id, fromCache, ++done, options.problems.length);
      } catch (err) {
        signal(problem.id).reject(err as Error);
        throw err;
      }
    }
  };
  // Workers start after this function returns, so `onProblem` may already use what it returns.
  const all = Promise.resolve()
    .then(() => Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 2) }, worker)))
    .then(() => {
      // Stats and listings follow the problems' order, whatever order they were checked in.
      const ordered = options.problems.map((p) => [p.id, entries.get(p.id) as ProblemEntry] as const);
      entries.clear();
      for (const [id, entry] of ordered) entries.set(id, entry);
    });
  const references = new Map(options.problems.map((p) => [p.id, p.referenceSolution]));
  const publicCounts = new Map(options.problems.map((p) => [p.id, p.publicTests.length]));
  return {
    pool: new CheckedMutantPool(entries, references, publicCounts, build),
    ready(problemId: string) {
      if (entries.has(problemId) || !byId.has(problemId)) return Promise.resolve();
      const at = queue.findIndex((p) => p.id === problemId);
      if (at > 0) queue.unshift(...queue.splice(at, 1));
      return signal(problemId).promise;
    },
    done: all,
  };
}

class CheckedMutantPool implements MutantPool {
  constructor(
    private readonly entries: Map<string, ProblemEntry>,
    private readonly references: Map<string, string | undefined>,
    private readonly publicCounts: Map<string, number>,
    private readonly build: { sandboxCalls: number; cacheHits: number; cacheMisses: number },
  ) {}

  problemIds(): string[] {
    return [...this.entries.keys()];
  }

  checkedMutants(problemId: string): CheckedMutant[] {
    return this.entries.get(problemId)?.mutants ?? [];
  }

  wrongPrograms(problemId: string): WrongProgram[] {
    const publicCount = this.publicCounts.get(problemId) ?? 0;
    return this.checkedMutants(problemId)
      .filter((m) => !m.equivalent)
      .map((m) => ({
        program: m.program,
        kind: m.kind,
        description: m.description,
        failsPublic: m.failingPublic.length > 0,
        failingTests: [
          ...m.failingPublic,
          ...(m.firstFailingHidden === undefined ? [] : [publicCount + m.firstFailingHidden]),
        ],
        verdicts: m.verdicts,
      }));
  }

  correctPrograms(problemId: string): string[] {
    const entry = this.entries.get(problemId);
    const reference = this.references.get(problemId);
    if (entry === undefined || !entry.referencePasses || reference === undefined) return [];
    return [reference, ...entry.variants, ...entry.mutants.filter((m) => m.equivalent).map((m) => m.program)];
  }

  bankedPrograms(problemId: string): BankedProgram[] {
    return [
      ...this.correctPrograms(problemId).map((program) => ({ program, correct: true, failingTests: [] })),
      ...this.wrongPrograms(problemId).map((w) => ({
        program: w.program,
        correct: false,
        failingTests: w.failingTests,
        kind: w.kind,
      })),
    ];
  }

  stats(): MutantPoolStats {
    const byKind = Object.fromEntries(
      MUTANT_KINDS.map((k) => [
        k,
        { generated: 0, failing: 0, equivalent: 0, failsPublic: 0, rawFailingShare: 0 },
      ]),
    ) as Record<MutantKind, KindStats>;
    const verdicts: Record<string, number> = {};
    const without: { id: string; reason: string }[] = [];
    let correct = 0;
    let rejected = 0;
    let checkSeconds = 0;
    for (const [id, entry] of this.entries) {
      checkSeconds += entry.checkSeconds;
      if (!entry.referencePasses || entry.error) {
        without.push({ id, reason: entry.error ?? "the reference fails its tests" });
        continue;
      }
      correct += this.correctPrograms(id).length;
      rejected += entry.rejectedVariants;
      for (const m of entry.mutants) {
        const k = byKind[m.kind];
        k.generated++;
        if (m.equivalent) k.equivalent++;
        else k.failing++;
        if (m.failingPublic.length > 0) k.failsPublic++;
        for (const v of m.verdicts) verdicts[v] = (verdicts[v] ?? 0) + 1;
      }
    }
    const share = (a: number, b: number) => (b === 0 ? 0 : a / b);
    for (const k of Object.values(byKind)) k.rawFailingShare = share(k.failing, k.generated);
    const total = Object.values(byKind).reduce(
      (acc, k) => ({
        generated: acc.generated + k.generated,
        failing: acc.failing + k.failing,
        equivalent: acc.equivalent + k.equivalent,
        failsPublic: acc.failsPublic + k.failsPublic,
      }),
      { generated: 0, failing: 0, equivalent: 0, failsPublic: 0 },
    );
    const wrongFailing = [...this.entries.keys()]
      .flatMap((id) => this.wrongPrograms(id))
      .filter((w) => w.failingTests.length > 0).length;
    return {
      problems: this.entries.size,
      problemsWithPool: this.entries.size - without.length,
      problemsWithoutPool: without,
      generated: total.generated,
      wrong: total.failing,
      equivalent: total.equivalent,
      rawFailingShare: share(total.failing, total.generated),
      wrongPoolFailingShare: share(wrongFailing, total.failing),
      wrongFailsPublicShare: share(total.failsPublic, total.failing),
      byKind,
      verdicts,
      correctPrograms: correct,
      rejectedVariants: rejected,
      sandboxCalls: this.build.sandboxCalls,
      cacheHits: this.build.cacheHits,
      cacheMisses: this.build.cacheMisses,
      checkSeconds,
    };
  }
}
