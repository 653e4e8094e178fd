import {
  ApplicationFailure,
  continueAsNew,
  defineQuery,
  executeChild,
  ParentClosePolicy,
  patched,
  setHandler,
  workflowInfo,
} from "@temporalio/workflow";
import { capReached, needsRates } from "../method/budget-caps";
import { mergeUsage, methodLabel, type ProblemEntry, type ProblemOutcome } from "../method/pipeline-records";
import { ENDPOINT_REFUSED, problemErrorOf } from "../method/problem-error";
import { pipelineActivities } from "./pipeline-activities-proxy";
import type { RunProgress, RunState, RunWorkflowInput } from "./pipeline-types";
import { problemWorkflow } from "./problem-workflow";

// Preparing may download a release (about 1 GB per shard) before reading it.
const acts = pipelineActivities("3 hours");

export const progressQuery = defineQuery<RunProgress>("progress");

/** Children finished by one run of this workflow before it continues as new, to bound its history. */
const CHILDREN_PER_HISTORY = 500;

/**
 * The events one run of this workflow may hold (sstar's rule: no history above 2,000), and what a
 * child still costs it once started: its start (initiated, started), its completion, and the
 * workflow task that handles it (three events). A child is started only while every child in
 * flight still fits, so a history never outgrows the budget while it drains to continue as new.
 */
export const HISTORY_EVENT_BUDGET = 1_800;
export const EVENTS_PER_CHILD = 6;

/** Whether one more child fits in this history (pure, for the workflow and its tests). */
export function childFits(historyLength: number, inFlight: number): boolean {
  return historyLength + (inFlight + 1) * EVENTS_PER_CHILD <= HISTORY_EVENT_BUDGET;
}

/** The id of a problem's child workflow: stable, so a resumed run finds the children it started. */
export function problemWorkflowId(runId: string, problemId: string): string {
  return `sstar-run-${runId}--${problemId}`;
}

/**
 * A run: every problem through S* as a child workflow, at most `window` at a time. It answers a
 * progress query, and continues as new when its history grows, so any number of problems fits.
 */
export async function runWorkflow(input: RunWorkflowInput): Promise<unknown> {
  const { config, runId, resultsDir } = input;
  const state: RunState = input.state ?? { nextOffset: 0, done: 0, usage: {}, startedAt: Date.now() };
  const inFlight = new Map<string, Promise<void>>();
  setHandler(progressQuery, () => ({
    runId,
    total: state.total ?? null,
    done: state.done,
    inFlight: inFlight.size,
    usage: state.usage,
    startedAt: state.startedAt,
  }));

  if (state.listRef === undefined || state.total === undefined) {
    const prepared = await acts.prepareProblems({ config, resultsDir });
    state.listRef = prepared.listRef;
    state.total = prepared.total;
  }
  const total = state.total;
  const listRef = state.listRef;
  const caps = config.budget.caps;
  if (needsRates(caps) && state.capRates === undefined) state.capRates = await acts.capRates({ config });
  const stopped = () => state.runCap?.action === "stop_run" || state.endpointRefused !== undefined;
  // Checked as problems finish: a problem in flight counts once it is done.
  const checkRunCap = () => {
    if (state.runCap || !caps?.run) return;
    const hit = capReached(state.usage, caps.run, state.capRates ?? {});
    if (hit)
      state.runCap = {
        scope: "run",
        ...hit,
        stage: "start",
        afterProblems: state.done,
        action: caps.onRunCap,
      };
  };
  let page: ProblemEntry[] = [];
  let pageStart = state.nextOffset;
  let finishedHere = 0;

  const start = (entry: ProblemEntry) => {
    const child = executeChild(problemWorkflow, {
      workflowId: problemWorkflowId(runId, entry.id),
      args: [
        {
          runId,
          config,
          problem: entry,
          resultsDir,
          sweepGrid: input.sweepGrid,
          reuseFinished: input.reuseFinished,
          capRates: state.capRates,
          runCap: state.runCap,
        },
      ],
      // Cancelling the run cancels the problems in flight.
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      // Sandboxes and the LLM share a small machine with the worker; a slow task is not a dead worker.
      workflowTaskTimeout: "1 minute",
    })
      .then((outcome: ProblemOutcome) => {
        state.usage = mergeUsage(state.usage, outcome.usage);
      })
      .catch(async (err: unknown) => {
        // A problem that failed for good is not dropped: it ends errored, with its reason, and the run goes on.
        const error = problemErrorOf(err);
        await acts.recordProblemError({
          resultsDir,
          problem: entry,
          methodLabels: config.selection.map(methodLabel),
          error,
        });
        // Every other problem would meet the same refusal: start no more (those in flight finish).
        if (error.errorClass === ENDPOINT_REFUSED && !state.endpointRefused)
          state.endpointRefused = { problem: entry.id, message: error.message };
      })
      .finally(() => {
        state.done++;
        finishedHere++;
        inFlight.delete(entry.id);
        checkRunCap();
      });
    inFlight.set(entry.id, child);
  };

  const budgeted = patched("history-event-budget");
  while (state.nextOffset < total || inFlight.size > 0) {
    const full = () => budgeted && !childFits(workflowInfo().historyLength, inFlight.size);
    const rollOver =
      finishedHere >= (input.childrenPerHistory ?? CHILDREN_PER_HISTORY) ||
      workflowInfo().continueAsNewSuggested ||
      (full() && inFlight.size === 0);
    // By the endpoint's free slots: how many may start now (the call waits a while for room).
    let room = Number.POSITIVE_INFINITY;
    const byEndpoint = config.admission === "endpoint";
    if (
      byEndpoint &&
      !rollOver &&
      !stopped() &&
      !full() &&
      inFlight.size < config.window &&
      state.nextOffset < total
    )
      room = (await acts.endpointRoom({ config, inFlight: inFlight.size })).room;
    let admitted = 0;
    while (
      !rollOver &&
      !stopped() &&
      !full() &&
      admitted < room &&
      inFlight.size < config.window &&
      state.nextOffset < total
    ) {
      admitted++;
      if (state.nextOffset - pageStart >= page.length) {
        pageStart = state.nextOffset;
        page = await acts.problemPage({ listRef, offset: state.nextOffset });
        if (page.length === 0)
          throw ApplicationFailure.nonRetryable(
            `problem list ended early at ${state.nextOffset} of ${total}`,
          );
      }
      start(page[state.nextOffset - pageStart] as ProblemEntry);
      state.nextOffset++;
    }
    if (inFlight.size === 0) {
      if (rollOver && !stopped() && state.nextOffset < total)
        await continueAsNew<typeof runWorkflow>({ ...input, state });
      break;
    }
    // Waiting for the endpoint's room is a reason to look again; a full window waits for a problem.
    if (
      byEndpoint &&
      !rollOver &&
      !full() &&
      inFlight.size < config.window &&
      state.nextOffset < total &&
      !stopped()
    )
      continue;
    await Promise.race(inFlight.values());
  }
  if (state.endpointRefused && state.nextOffset < total)
    await acts.recordNotStarted({
      resultsDir,
      listRef,
      offset: state.nextOffset,
      methodLabels: config.selection.map(methodLabel),
      error: {
        stage: "not started",
        errorClass: ENDPOINT_REFUSED,
        message: `the run stopped when ${state.endpointRefused.problem} met: ${state.endpointRefused.message}`,
      },
    });
  else if (state.runCap && stopped() && state.nextOffset < total)
    await acts.writeNotRun({ resultsDir, listRef, offset: state.nextOffset, runCap: state.runCap });
  return acts.writeRunSummary({ runId, config, resultsDir });
}
