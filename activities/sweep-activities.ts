import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RunConfig, SelectionConfig } from "../config/run-config";
import {
  methodLabel,
  NO_USAGE,
  type ProblemEntry,
  type ProblemOutcome,
  type SampleHistory,
  type SelectionCandidateRef,
  type StageUsage,
  type SweepProblemOutcome,
} from "../method/pipeline-records";
import { budgetPoints, candidatesAt } from "../method/sweep-grid";
import { sweepSettings, sweepSummary } from "../method/sweep-results";
import type { SweepProblemSpend } from "../method/sweep-spend";
import { SETTINGS_FILE } from "../report/setting-results";
import type { ContentRef, ContentStore } from "../store/content-store";

/** What a problem record holds that a sweep reads. */
interface StoredProblemRecord {
  problem: ProblemEntry;
  histories: SampleHistory[];
  /** Absent in records written before sweeps existed. */
  generationShared?: StageUsage;
  verdicts: Record<string, boolean>;
}

const SWEEP_PROBLEMS = join("sweep", "problems");

async function jsonFiles(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith(".json")).sort();
}

/** The problems a run finished, with their records. */
async function finishedProblems(resultsDir: string): Promise<{ problemId: string; recordRef: ContentRef }[]> {
  const dir = join(resultsDir, "problems");
  return Promise.all(
    (await jsonFiles(dir)).map(async (f) => {
      const outcome = JSON.parse(await readFile(join(dir, f), "utf8")) as ProblemOutcome;
      return { problemId: outcome.problemId, recordRef: outcome.recordRef };
    }),
  );
}

/** The sweep's activities: reading the run's problem records and writing the settings' results. */
export function sweepActivities(deps: { store: ContentStore }) {
  return {
    /** The problems the sweep's run finished, with their records. */
    async sweepProblemList(input: {
      resultsDir: string;
    }): Promise<{ problemId: string; recordRef: ContentRef }[]> {
      return finishedProblems(input.resultsDir);
    },

    /** Each (N, R) setting's candidates on one problem, with the hidden-test verdicts of their programs. */
    async sweepCandidateSets(input: {
      recordRef: ContentRef;
      grid: { n: number[]; rounds: number[] };
    }): Promise<{
      problem: ProblemEntry;
      sets: { n: number; rounds: number; candidates: SelectionCandidateRef[] }[];
      verdicts: Record<string, boolean>;
    }> {
      const record = await deps.store.getJson<StoredProblemRecord>(input.recordRef);
      const sets = budgetPoints(input.grid).map((point) => ({
        ...point,
        candidates: candidatesAt(record.histories, point),
      }));
      const refs = new Set(sets.flatMap((s) => s.candidates.map((c) => c.codeRef)));
      const verdicts = Object.fromEntries(
        Object.entries(record.verdicts).filter(([ref]) => refs.has(ref as ContentRef)),
      );
      return { problem: record.problem, sets, verdicts };
    },

    async writeSweepProblem(input: { resultsDir: string; outcome: SweepProblemOutcome }): Promise<void> {
      const dir = join(input.resultsDir, SWEEP_PROBLEMS);
      await mkdir(dir, { recursive: true });
      await writeFile(
        join(dir, `${encodeURIComponent(input.outcome.problemId)}.json`),
        `${JSON.stringify(input.outcome)}\n`,
      );
    },

    /** settings.json (the shape `sstar report` reads) from every problem's sweep results and record; returns the `--json` summary. */
    async writeSweepSettings(input: {
      runId: string;
      config: RunConfig;
      resultsDir: string;
      grid: { n: number[]; rounds: number[]; methods: SelectionConfig[] };
    }): Promise<unknown> {
      const dir = join(input.resultsDir, SWEEP_PROBLEMS);
      const outcomes = await Promise.all(
        (await jsonFiles(dir)).map(
          async (f) => JSON.parse(await readFile(join(dir, f), "utf8")) as SweepProblemOutcome,
        ),
      );
      const records = new Map(
        (await finishedProblems(input.resultsDir)).map((p) => [p.problemId, p.recordRef]),
      );
      const spends: SweepProblemSpend[] = await Promise.all(
        outcomes.map(async (o) => {
          const ref = records.get(o.problemId);
          const record = ref ? await deps.store.getJson<StoredProblemRecord>(ref) : undefined;
          return {
            generationShared: record?.generationShared ?? NO_USAGE,
            rounds: (record?.histories ?? []).flatMap((h) =>
              h.rounds.map((r) => ({
                sample: h.index,
                round: r.round,
                stage: r.round === 0 ? ("generate" as const) : ("refine" as const),
                usage: r.usage ?? NO_USAGE,
              })),
            ),
            selections: o.settings.map((s) => ({
              n: s.n,
              rounds: s.rounds,
              method: s.method,
              paid: s.paid,
              standalone: s.standalone,
            })),
          };
        }),
      );
      const grid = {
        n: input.grid.n,
        rounds: input.grid.rounds,
        methods: input.grid.methods.map(methodLabel),
      };
      const file = sweepSettings(input.runId, input.config, grid, outcomes, spends);
      await writeFile(join(input.resultsDir, SETTINGS_FILE), `${JSON.stringify(file, null, 2)}\n`);
      return sweepSummary(file);
    },
  };
}
