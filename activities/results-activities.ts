import { createWriteStream } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readPreemptions, type WorkerPreemption } from "../cluster/worker-preemptions";
import type { RunConfig } from "../config/run-config";
import { SKIPPED_ROWS_FILE, type SkippedRows } from "../datasets/load-problems";
import { capsSummary } from "../method/budget-caps";
import { addLedgerEntry, emptyPaid, type PaidByProblem, withPaidUsage } from "../method/ledger-usage";
import type {
  CapEvent,
  ProblemEntry,
  ProblemOutcome,
  SelectionCandidateRef,
} from "../method/pipeline-records";
import { erroredOutcome, type ProblemError } from "../method/problem-error";
import { addTokenTotals, type RunSummary, RunSummaryFold, summarizeRun } from "../method/run-summary";
import type { ProblemScope } from "../spend/spend-recorder";
import type { ContentRef, ContentStore } from "../store/content-store";
import { readTimeBreakdown } from "../worker/run-timeline";
import type { PipelineDeps } from "./activity-support";
import { readNotRun } from "./budget-cap-activities";

/** A run's results folder: per-problem records, results.jsonl, summary.json, LiveCodeBench files. */
export function resultsActivities(deps: PipelineDeps) {
  return {
    /** The problem's full record (every candidate, lineage, selections, verdicts), to the results folder. */
    async writeProblemResult(input: {
      resultsDir: string;
      outcome: Omit<ProblemOutcome, "recordRef">;
      record: unknown;
      scope: ProblemScope;
    }): Promise<ContentRef> {
      const recordRef = await deps.store.putJson(input.record);
      const dir = join(input.resultsDir, "problems");
      await mkdir(dir, { recursive: true });
      const outcome: ProblemOutcome = { ...input.outcome, recordRef };
      // What an adaptive budget did not draw, beside the spend (one entry per problem: a retry rewrites nothing).
      const adaptive = outcome.adaptive;
      if (adaptive)
        await deps.ledger.recordSamplesSaved({
          requestId: `samples-saved:${input.scope.runId}:${outcome.problemId}`,
          runId: input.scope.runId,
          budgetSetting: input.scope.budgetSetting,
          problemId: outcome.problemId,
          policy: "adaptive",
          samplesBudget: adaptive.samplesBudget,
          samplesDrawn: adaptive.samplesDrawn,
          stop: adaptive.stop,
          at: new Date().toISOString(),
        });
      await writeFile(
        join(dir, `${encodeURIComponent(outcome.problemId)}.json`),
        `${JSON.stringify(outcome)}\n`,
      );
      deps.spend.problemFinished(input.scope);
      return recordRef;
    },

    /** The problem's outcome if a previous attempt at this run finished it (a rerun does not pay again). */
    async storedOutcome(input: { resultsDir: string; problemId: string }): Promise<ProblemOutcome | null> {
      const file = join(input.resultsDir, "problems", `${encodeURIComponent(input.problemId)}.json`);
      const text = await readFile(file, "utf8").catch(() => undefined);
      return text === undefined ? null : (JSON.parse(text) as ProblemOutcome);
    },

    /** A problem that failed for good: its errored line (reason and all), kept apart from finished problems. */
    async recordProblemError(input: {
      resultsDir: string;
      problem: ProblemEntry;
      methodLabels: string[];
      error: ProblemError;
    }): Promise<void> {
      const recordRef = await deps.store.putJson({ problem: input.problem, error: input.error });
      const dir = join(input.resultsDir, "errors");
      await mkdir(dir, { recursive: true });
      const outcome: ProblemOutcome = {
        ...erroredOutcome(input.problem, input.methodLabels, input.error),
        recordRef,
      };
      await writeFile(
        join(dir, `${encodeURIComponent(input.problem.id)}.json`),
        `${JSON.stringify(outcome)}\n`,
      );
    },

    /**
     * Every problem from `offset` on, errored with `error` because the run stopped before starting
     * it: none vanishes, and --retry-errored runs them once the cause is fixed.
     */
    async recordNotStarted(input: {
      resultsDir: string;
      listRef: ContentRef;
      offset: number;
      methodLabels: string[];
      error: ProblemError;
    }): Promise<number> {
      const entries = (await deps.store.getJson<ProblemEntry[]>(input.listRef)).slice(input.offset);
      const dir = join(input.resultsDir, "errors");
      await mkdir(dir, { recursive: true });
      const recordRef = await deps.store.putJson({ notStarted: true, error: input.error });
      for (const problem of entries) {
        const outcome: ProblemOutcome = {
          ...erroredOutcome(problem, input.methodLabels, input.error),
          recordRef,
        };
        await writeFile(join(dir, `${encodeURIComponent(problem.id)}.json`), `${JSON.stringify(outcome)}\n`);
      }
      return entries.length;
    },

    /** What a finished run stored per problem: enough to select again without generating. */
    async storedCandidates(input: { resultsDir: string }): Promise<
      {
        problem: ProblemEntry;
        candidates: SelectionCandidateRef[];
        oracleByRound: boolean[];
        correctByRound: number[];
      }[]
    > {
      const dir = join(input.resultsDir, "problems");
      const files = (await readdir(dir).catch(() => [] as string[]))
        .filter((f) => f.endsWith(".json"))
        .sort();
      return Promise.all(
        files.map(async (f) => {
          const outcome = JSON.parse(await readFile(join(dir, f), "utf8")) as ProblemOutcome;
          const record = await deps.store.getJson<{
            problem: ProblemEntry;
            finalCandidates: SelectionCandidateRef[];
          }>(outcome.recordRef);
          return {
            problem: record.problem,
            candidates: record.finalCandidates,
            oracleByRound: outcome.oracleByRound,
            correctByRound: outcome.correctByRound,
          };
        }),
      );
    },

    /** The summary of a reselection, in the run summary's shape, written beside the run's own. */
    async writeReselectSummary(input: {
      runId: string;
      config: RunConfig;
      resultsDir: string;
      label: string;
      outcomes: ProblemOutcome[];
    }): Promise<unknown> {
      const summary = summarizeRun(input.runId, input.config, input.outcomes);
      const dir = join(input.resultsDir, "reselect");
      await mkdir(dir, { recursive: true });
      await writeFile(
        join(dir, `${input.label.replace(/[^\w.=,()-]+/g, "_")}.json`),
        `${JSON.stringify(summary, null, 2)}\n`,
      );
      return summary;
    },

    /**
     * results.jsonl, summary.json and LiveCodeBench generation files from every problem's result,
     * streamed: one outcome is read, written and folded into the summary at a time, so a run of any
     * size is summarized in little memory.
     */
    async writeRunSummary(input: { runId: string; config: RunConfig; resultsDir: string }): Promise<unknown> {
      const dir = join(input.resultsDir, "problems");
      const errorsDir = join(input.resultsDir, "errors");
      const names = async (d: string) =>
        (await readdir(d).catch(() => [] as string[])).filter((f) => f.endsWith(".json"));
      const finished = new Set(await names(dir));
      // Errored problems count in every share (not passed); one that later finished is not errored.
      const files = [
        ...[...finished].map((f) => ({ f, path: join(dir, f) })),
        ...(await names(errorsDir))
          .filter((f) => !finished.has(f))
          .map((f) => ({ f, path: join(errorsDir, f) })),
      ];
      const paid = emptyPaid();
      for await (const entry of deps.ledger.entries(input.runId)) addLedgerEntry(paid, entry);
      // Sorted by problem id, as the file names encode it.
      const ordered = files
        .map((x) => ({ ...x, id: decodeURIComponent(x.f.slice(0, -".json".length)) }))
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const fold = new RunSummaryFold(input.runId, input.config);
      const known = new Set<string>();
      const capped: { problemId: string; capped?: CapEvent }[] = [];
      const results = jsonLines(join(input.resultsDir, "results.jsonl"));
      const generations = new LcbGenerationFiles(deps.store, join(input.resultsDir, "lcb-generations"));
      for (const file of ordered) {
        const stored = JSON.parse(await readFile(file.path, "utf8")) as ProblemOutcome;
        const outcome = withPaidUsage(stored, paid.llm.get(stored.problemId));
        known.add(outcome.problemId);
        fold.add(outcome);
        if (outcome.capped) capped.push({ problemId: outcome.problemId, capped: outcome.capped });
        await results.write(outcome);
        if (finished.has(file.f)) await generations.add(outcome);
      }
      await results.close();
      await generations.close();
      const summary = {
        ...withUnattributed(fold.summary(), known, paid),
        tokens_source: "ledger" as const,
        sandbox: paid.sandbox,
        ...(await readSkippedRows(input.resultsDir)),
        ...workerPreemptions(input.resultsDir),
        ...timeBreakdown(deps, input.runId, input.resultsDir),
        // Where and why spend caps changed the run (only when caps are configured).
        ...(input.config.budget.caps
          ? { caps: capsSummary(capped, await readNotRun(input.resultsDir)) }
          : {}),
      };
      await writeFile(join(input.resultsDir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
      return summary;
    },
  };
}

/** A text file written piece by piece, each write waiting for the stream (so memory stays flat). */
function textFile(path: string): { write(text: string): Promise<void>; close(): Promise<void> } {
  const out = createWriteStream(path);
  const failed = new Promise<never>((_, reject) => out.once("error", reject));
  failed.catch(() => {});
  const settled = (fn: (done: (err?: Error | null) => void) => void) =>
    Promise.race([
      new Promise<void>((resolve, reject) => fn((err) => (err ? reject(err) : resolve()))),
      failed,
    ]);
  return {
    write: (text) => settled((done) => out.write(text, done)),
    close: () => settled((done) => out.end(done)),
  };
}

/** A file of one JSON value per line. */
function jsonLines(path: string): { write(value: unknown): Promise<void>; close(): Promise<void> } {
  const file = textFile(path);
  return { write: (value) => file.write(`${JSON.stringify(value)}\n`), close: () => file.close() };
}

/** Where the run's wall time went, as its workers saw it (this one's figures written first). */
function timeBreakdown(
  deps: PipelineDeps,
  runId: string,
  resultsDir: string,
): Pick<RunSummary, "time_breakdown_s"> {
  if (deps.timeline?.breakdownOf(runId)) deps.timeline.flush();
  const breakdown = readTimeBreakdown(resultsDir);
  return breakdown ? { time_breakdown_s: breakdown } : {};
}

/**
 * Ledger spend of problems that are not among the results (none should be) still counts in the
 * run's tokens, and they are named: nothing paid is dropped from the summary.
 */
function withUnattributed(summary: RunSummary, known: ReadonlySet<string>, paid: PaidByProblem): RunSummary {
  const others = [...paid.llm.keys()].filter((id) => !known.has(id)).sort();
  if (others.length === 0) return summary;
  const tokens = structuredClone(summary.tokens);
  for (const id of others) {
    for (const [stage, u] of Object.entries(paid.llm.get(id) ?? {})) {
      if (!u) continue;
      const t = tokens[stage] ?? { prompt: 0, completion: 0, reasoning: 0, requests: 0 };
      tokens[stage] = t;
      addTokenTotals(t, u);
      addTokenTotals(tokens.total, u);
    }
  }
  return { ...summary, tokens, paid_outside_results: others };
}

/** The worker pods a cluster run lost and survived (cluster/preemption-log.ts writes them). */
function workerPreemptions(resultsDir: string): {
  worker_preemptions?: { count: number; events: WorkerPreemption[] };
} {
  const events = readPreemptions(resultsDir);
  return events.length ? { worker_preemptions: { count: events.length, events } } : {};
}

/** What `sstar run --skip-bad` left out of the dataset (the command writes it before the run starts). */
async function readSkippedRows(resultsDir: string): Promise<{ skipped_rows?: SkippedRows }> {
  try {
    return { skipped_rows: JSON.parse(await readFile(join(resultsDir, SKIPPED_ROWS_FILE), "utf8")) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw err;
  }
}

/**
 * LiveCodeBench's custom-evaluation input: `[{question_id, code_list}]`, one file per selection
 * method (the selected program) and one with every final candidate (for pass@k), each written as
 * a JSON array one problem at a time.
 */
class LcbGenerationFiles {
  private readonly files = new Map<string, ReturnType<typeof jsonArray>>();

  constructor(
    private readonly store: ContentStore,
    private readonly dir: string,
  ) {}

  async add(outcome: ProblemOutcome): Promise<void> {
    const record = await this.store.getJson<{ finalCandidates?: { index: number; codeRef: ContentRef }[] }>(
      outcome.recordRef,
    );
    const codes = new Map<number, string>();
    for (const c of record.finalCandidates ?? []) codes.set(c.index, await this.store.getText(c.codeRef));
    await (await this.file("all-candidates")).write({
      question_id: outcome.problemId,
      code_list: [...codes.values()],
    });
    for (const m of outcome.methods)
      await (await this.file(m.label.replace(/[^\w.=,()-]+/g, "_"))).write({
        question_id: outcome.problemId,
        code_list: m.selected === null ? [""] : [codes.get(m.selected) ?? ""],
      });
  }

  async close(): Promise<void> {
    await this.file("all-candidates");
    for (const out of this.files.values()) await out.close();
  }

  private async file(name: string): Promise<ReturnType<typeof jsonArray>> {
    let file = this.files.get(name);
    if (!file) {
      await mkdir(this.dir, { recursive: true });
      file = jsonArray(join(this.dir, `${name}.json`));
      this.files.set(name, file);
    }
    return file;
  }
}

/** A JSON array written one element at a time. */
function jsonArray(path: string): { write(value: unknown): Promise<void>; close(): Promise<void> } {
  const lines = textFile(path);
  let first = true;
  return {
    write: (value) => {
      const text = `${first ? "[" : ","}${JSON.stringify(value)}`;
      first = false;
      return lines.write(text);
    },
    close: async () => {
      await lines.write(first ? "[]" : "]");
      await lines.close();
    },
  };
}
