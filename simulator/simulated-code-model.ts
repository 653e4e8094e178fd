import { join } from "node:path";
import { problemFromRow } from "../datasets/lcb-row";
import type { Problem } from "../datasets/problem";
import { readRows } from "../datasets/read-rows";
import type { ProgramExecutor } from "../sandbox/types";
import { type BehaviourConfig, DEFAULT_BEHAVIOUR } from "./behaviour/behaviour-config";
import { CodeModelResponder } from "./behaviour/code-model-responder";
import type { KnownProblem } from "./behaviour/program-bank";
import { StaticProgramBank } from "./behaviour/static-program-bank";
import { type MutantPoolStats, startMutantPool } from "./mutants/mutant-pool";

export interface SimulatedCodeModelOptions {
  /** What the model knows: problems with a `referenceSolution` (sstar's JSONL rows carry one). */
  problems: Problem[];
  /** The checked mutant pool is cached here. */
  cacheDir: string;
  seed: number;
  behaviour?: Partial<BehaviourConfig>;
  /** Checks every mutant against the hidden tests. */
  executor: ProgramExecutor;
  /** Mutants generated per problem. */
  mutantsPerProblem?: number;
  onProblem?: (problemId: string, fromCache: boolean, done: number, total: number) => void;
  /** Per-test time limit of the mutant checks; LiveCodeBench's 6 s when absent. */
  timeSec?: number;
}

/** Where checked mutant pools are cached: SSTAR_MUTANT_CACHE_DIR, else the data folder's cache. */
export function mutantCacheDir(dataDir: string): string {
  return process.env.SSTAR_MUTANT_CACHE_DIR || join(dataDir, "cache");
}

/** Wrong programs generated per problem: SSTAR_MUTANTS_PER_PROBLEM, else 12. */
export function mutantsPerProblem(): number {
  const value = Number(process.env.SSTAR_MUTANTS_PER_PROBLEM);
  return Number.isInteger(value) && value > 0 ? value : 12;
}

/** Every problem of the given files, in order. */
export async function readProblemFiles(files: string[]): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const file of files) {
    for await (const { row, where } of readRows(file)) problems.push(problemFromRow(row, where));
  }
  return problems;
}

/**
 * The behaviour half of the simulator for a set of problems: it reads them, builds (or loads from
 * the cache) the sandbox-checked pool of wrong mutants of every reference solution, and answers
 * as a code model that knows those problems.
 */
export async function buildSimulatedCodeModel(
  options: SimulatedCodeModelOptions,
): Promise<{ responder: CodeModelResponder; problems: Problem[]; stats: MutantPoolStats }> {
  const model = startSimulatedCodeModel(options);
  await model.done;
  return { responder: model.responder, problems: options.problems, stats: model.stats() };
}

/**
 * The same model, answering at once: each problem's checked programs join its bank as soon as
 * they are ready, and a request about a problem not checked yet waits for it (`prepare`), its
 * problem first in the queue. `done` settles when the whole pool is checked.
 */
export function startSimulatedCodeModel(options: SimulatedCodeModelOptions): {
  responder: CodeModelResponder;
  done: Promise<void>;
  stats: () => MutantPoolStats;
} {
  const { problems } = options;
  const bank = new StaticProgramBank();
  const growing = startMutantPool({
    problems: problems.filter((p) => p.referenceSolution),
    executor: options.executor,
    cacheDir: join(options.cacheDir, "mutants"),
    seed: options.seed,
    perProblem: options.mutantsPerProblem ?? 12,
    onProblem: (id, fromCache, done, total) => {
      bank.add(id, growing.pool.bankedPrograms(id));
      options.onProblem?.(id, fromCache, done, total);
    },
    timeSec: options.timeSec,
  });
  const known: KnownProblem[] = [];
  for (const p of problems) {
    if (!p.referenceSolution || !p.content) continue;
    known.push({
      id: p.id,
      content: p.content,
      difficulty: (["easy", "medium", "hard"].includes(p.difficulty)
        ? p.difficulty
        : "medium") as KnownProblem["difficulty"],
      kind: p.kind,
      funcName: p.funcName,
      publicTests: p.publicTests,
      privateTests: p.privateTests,
    });
  }
  const responder = new CodeModelResponder(
    known,
    bank,
    { ...DEFAULT_BEHAVIOUR, ...options.behaviour },
    options.seed,
    (problemId) => growing.ready(problemId),
  );
  return { responder, done: growing.done, stats: () => growing.pool.stats() };
}
