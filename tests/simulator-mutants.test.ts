import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { problemFromRow } from "../datasets/lcb-row";
import type { Problem } from "../datasets/problem";
import { projectRoot } from "../runtime/paths";
import { createExecutor } from "../sandbox/create-executor";
import { pythonExecutable } from "../sandbox/host-tools";
import type { RunnerPool } from "../sandbox/runner-pool";
import type { ExecutionRequest, ProgramExecutor } from "../sandbox/types";
import { buildMutantPool, MUTANT_KINDS, runMutate, startMutantPool } from "../simulator/mutants/mutant-pool";
import { tempDir } from "./helpers/processes";

const DATA = join(projectRoot, "../shared/data/leetcode/leetcode_dev100.jsonl");
const problems: Problem[] = readFileSync(DATA, "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((line, i) => problemFromRow(JSON.parse(line), `${DATA}:${i + 1}`));
const byId = (id: string) => {
  const p = problems.find((x) => x.id === id);
  if (!p) throw new Error(`no problem ${id}`);
  return p;
};

/** For each program: does it parse, and is its syntax tree different from the original's? (parsing only) */
function parsesAndDiffers(original: string, programs: string[]): { parses: boolean; differs: boolean }[] {
  const script =
    "import ast, json, sys\n" +
    "req = json.load(sys.stdin)\n" +
    "orig = ast.dump(ast.parse(req['original']))\n" +
    "out = []\n" +
    "for p in req['programs']:\n" +
    "    try:\n" +
    "        out.append({'parses': True, 'differs': ast.dump(ast.parse(p)) != orig})\n" +
    "    except SyntaxError:\n" +
    "        out.append({'parses': False, 'differs': True})\n" +
    "print(json.dumps(out))\n";
  return JSON.parse(
    execFileSync(pythonExecutable(), ["-I", "-c", script], {
      input: JSON.stringify({ original, programs }),
      encoding: "utf8",
    }),
  );
}

const REFERENCES = [
  "shortest-distance-after-road-addition-queries-i",
  "count-the-number-of-good-nodes",
  "find-the-count-of-monotonic-pairs-i",
];

describe("mutate.py", () => {
  it("makes parsing, differing mutants of every kind, the same ones for the same seed", async () => {
    const kindsSeen = new Set<string>();
    for (const id of REFERENCES) {
      const problem = byId(id);
      const request = {
        program: problem.referenceSolution as string,
        seed: 7,
        max_per_kind: 2,
        func_name: problem.funcName as string,
        variants: 2,
      };
      const first = await runMutate(request);
      const again = await runMutate(request);
      expect(again).toEqual(first);
      const other = await runMutate({ ...request, seed: 8 });
      expect(other.mutants.map((m) => m.program)).not.toEqual(first.mutants.map((m) => m.program));

      expect(first.mutants.length).toBeGreaterThanOrEqual(8);
      for (const m of first.mutants) {
        expect(MUTANT_KINDS).toContain(m.kind);
        expect(m.description.length).toBeGreaterThan(0);
        kindsSeen.add(m.kind);
      }
      const checks = parsesAndDiffers(request.program, [
        ...first.mutants.map((m) => m.program),
        ...first.variants,
      ]);
      const mutantChecks = checks.slice(0, first.mutants.length);
      expect(mutantChecks.every((c) => c.parses && c.differs)).toBe(true);
      expect(new Set(first.mutants.map((m) => m.program)).size).toBe(first.mutants.length);
      // Variants parse and are not byte-identical to the reference.
      expect(first.variants.length).toBe(2);
      expect(checks.slice(first.mutants.length).every((c) => c.parses)).toBe(true);
      for (const v of first.variants) expect(v).not.toBe(request.program);
    }
    expect([...kindsSeen].sort()).toEqual([...MUTANT_KINDS].sort());
  });

  it("reports a program that does not parse", async () => {
    const out = await runMutate({ program: "def f(:\n", seed: 1, max_per_kind: 1 });
    expect(out.error).toMatch(/does not parse/);
  });
});

/** An executor that counts what it is asked to run. */
class CountingExecutor implements ProgramExecutor {
  calls = 0;
  constructor(private readonly inner: ProgramExecutor) {}
  execute(request: ExecutionRequest) {
    this.calls++;
    return this.inner.execute(request);
  }
  close() {
    return Promise.resolve();
  }
}

const POOL_PROBLEMS = [
  "snake-in-matrix",
  "find-the-count-of-monotonic-pairs-i",
  "final-array-state-after-k-multiplication-operations-i",
  "count-substrings-that-satisfy-k-constraint-i",
  "sum-of-consecutive-subarrays",
];

describe("the checked mutant pool (gVisor)", () => {
  let sandbox: RunnerPool;
  let cacheDir: string;
  beforeAll(async () => {
    const dir = tempDir("mutants");
    cacheDir = join(dir, "cache");
    sandbox = await createExecutor({ isolation: "gvisor", poolSize: 2, dataDir: join(dir, "data") });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it("classifies mutants by running them, and a second build comes from the cache", async () => {
    const selected = POOL_PROBLEMS.map(byId);
    const options = { problems: selected, cacheDir, seed: 3, perProblem: 6 };
    const counting = new CountingExecutor(sandbox);
    const pool = await buildMutantPool({ ...options, executor: counting });
    const stats = pool.stats();
    expect(counting.calls).toBeGreaterThan(0);
    expect(stats.sandboxCalls).toBe(counting.calls);
    expect(stats).toMatchObject({ problems: 5, problemsWithPool: 5, cacheMisses: 5, cacheHits: 0 });
    expect(stats.generated).toBe(stats.wrong + stats.equivalent);
    expect(stats.wrongPoolFailingShare).toBe(1);
    expect(stats.rawFailingShare).toBeGreaterThanOrEqual(0.8);

    for (const problem of selected) {
      const wrong = pool.wrongPrograms(problem.id);
      expect(wrong.length).toBeGreaterThanOrEqual(1);
      for (const w of wrong) {
        expect(w.failingTests.length).toBeGreaterThan(0);
        expect(w.verdicts.length).toBeGreaterThan(0);
        expect(w.failsPublic).toBe(w.failingTests.some((i) => i < problem.publicTests.length));
      }
      const correct = pool.correctPrograms(problem.id);
      expect(correct[0]).toBe(problem.referenceSolution);
      expect(new Set(correct).size).toBe(correct.length);
      expect(pool.checkedMutants(problem.id).length).toBe(6);
    }
    expect(pool.wrongPrograms("snake-in-matrix").some((w) => w.kind === "slow_variant")).toBe(true);
    expect(
      pool
        .wrongPrograms("snake-in-matrix")
        .filter((w) => w.kind === "slow_variant")
        .every((w) => w.verdicts.includes("time_limit")),
    ).toBe(true);

    // Spot check the classification independently: a wrong program fails where the pool says.
    const problem = byId("find-the-count-of-monotonic-pairs-i");
    const sample = pool.wrongPrograms(problem.id).find((w) => w.failsPublic && w.kind !== "slow_variant");
    if (sample) {
      const again = await sandbox.execute({
        program: sample.program,
        kind: "call",
        funcName: problem.funcName as string,
        tests: problem.publicTests,
        stopOnFailure: false,
      });
      const failing = again.tests.flatMap((t, i) => (t.outcome === "passed" ? [] : [i]));
      expect(failing).toEqual(sample.failingTests.filter((i) => i < problem.publicTests.length));
    }

    const recount = new CountingExecutor(sandbox);
    const cached = await buildMutantPool({ ...options, executor: recount });
    expect(recount.calls).toBe(0);
    expect(cached.stats()).toMatchObject({ sandboxCalls: 0, cacheHits: 5, cacheMisses: 0 });
    for (const problem of selected) {
      expect(cached.wrongPrograms(problem.id)).toEqual(pool.wrongPrograms(problem.id));
      expect(cached.correctPrograms(problem.id)).toEqual(pool.correctPrograms(problem.id));
    }
  }, 120_000);

  it("answers while it grows: a problem asked for jumps the queue and is ready before the rest", async () => {
    // Runs after the build above, so every problem comes from the cache and the order is exact.
    const selected = POOL_PROBLEMS.map(byId);
    const order: string[] = [];
    const growing = startMutantPool({
      problems: selected,
      cacheDir,
      seed: 3,
      perProblem: 6,
      executor: sandbox,
      concurrency: 1,
      onProblem: (id) => order.push(id),
    });
    const last = POOL_PROBLEMS[POOL_PROBLEMS.length - 1] as string;
    expect(growing.pool.wrongPrograms(last)).toEqual([]);
    await growing.ready(last);
    expect(order[0]).toBe(last);
    expect(growing.pool.wrongPrograms(last).length).toBeGreaterThan(0);
    await expect(growing.ready("no-such-problem")).resolves.toBeUndefined();
    await growing.done;
    expect(order).toHaveLength(POOL_PROBLEMS.length);
    expect(growing.pool.stats()).toMatchObject({ problems: 5, cacheHits: 5, cacheMisses: 0 });
  });
});
