import { Counter, Gauge, type Registry } from "prom-client";
import type { LlmSpendEntry, SandboxSpendEntry, SpendLedger, Totals } from "../ledger/types";
import type { ProblemScope, SpendRecorder } from "../spend/spend-recorder";
import { TOKEN_TYPES, tokensByType } from "./spend-metrics";

/** How long one read of the ledger serves the scrape that made it (all series come from one read). */
const READ_REUSE_MS = 1_000;

export interface LedgerTotalsCollectorOptions {
  /** Where failed reads are reported (the scrape still answers, with the last values read). */
  logError?: (error: unknown) => void;
  /**
   * Runs with ledger entries recorded this recently are exported too, though this process saw none
   * of their work: a worker restarted after a run ended still shows it. Default 24 hours; 0 turns
   * this off.
   */
  recentRunsMs?: number;
}

/** How often the ledger is asked which runs had entries recently. */
const DISCOVER_EVERY_MS = 60_000;

/**
 * Run totals read from the spend ledger when Prometheus scrapes: the same numbers as the bill, and
 * they survive restarts of this process because the ledger does. Exported for every run this
 * process has seen spend or problems of, every run with ledger entries recorded in the last day
 * (`recentRunsMs`), and any given to `exportRun`. Several workers on one
 * ledger export the same values, so queries take `max` over instances, never `sum`.
 *
 * It is a SpendRecorder only to learn which runs are live here; it writes nothing.
 */
export class LedgerTotalsCollector implements SpendRecorder {
  private readonly runs = new Set<string>();
  private readonly recentRunsMs: number;
  private lastDiscovery = Number.NEGATIVE_INFINITY;
  private lastRead: { startedAt: number; totals: Promise<Totals[]> } | undefined;
  private readonly readErrors: Counter;
  private readonly logError: (error: unknown) => void;

  constructor(
    private readonly ledger: SpendLedger,
    registry: Registry,
    options: LedgerTotalsCollectorOptions = {},
  ) {
    const registers = [registry];
    this.recentRunsMs = options.recentRunsMs ?? 24 * 3_600_000;
    this.logError =
      options.logError ?? ((error: unknown) => console.error("sstar metrics: ledger read:", error));
    this.readErrors = new Counter({
      name: "sstar_ledger_read_errors_total",
      help: "Scrapes whose ledger read failed (those scrapes repeat the last totals read)",
      registers,
    });
    const runs = this.runs;
    const runsExported: Gauge = new Gauge({
      name: "sstar_ledger_runs_exported",
      help: "Runs whose ledger totals this process exports",
      registers,
      collect: () => runsExported.set(runs.size),
    });
    // Each ledger series is filled from the same read; on a failed read it keeps its last values.
    const fromLedger = (fill: (totals: Totals[]) => void) => async () => {
      let totals: Totals[];
      try {
        totals = await this.read();
      } catch {
        return; // counted and reported once per read, in read()
      }
      fill(totals);
    };

    const llmLabels = ["run", "budget_setting", "stage", "role", "model"] as const;
    const sandboxLabels = ["run", "budget_setting", "stage"] as const;
    const tokens: Counter<(typeof llmLabels)[number] | "type"> = new Counter({
      name: "sstar_ledger_llm_tokens_total",
      help: "LLM tokens in the spend ledger per run (the bill; survives restarts); type input|output|cached|reasoning (cached is part of input, reasoning part of output)",
      labelNames: [...llmLabels, "type"],
      registers,
      collect: fromLedger((all) => {
        tokens.reset();
        for (const { runId, row } of llmRows(all)) {
          const byType = tokensByType(row);
          for (const type of TOKEN_TYPES) tokens.inc({ run: runId, ...row.labels, type }, byType[type]);
        }
      }),
    });
    const requests: Counter<(typeof llmLabels)[number]> = new Counter({
      name: "sstar_ledger_llm_requests_total",
      help: "Paid LLM responses in the spend ledger per run",
      labelNames: [...llmLabels],
      registers,
      collect: fromLedger((all) => {
        requests.reset();
        for (const { runId, row } of llmRows(all)) requests.inc({ run: runId, ...row.labels }, row.requests);
      }),
    });
    const sandboxCounter = (name: string, help: string, value: (row: SandboxRow) => number) => {
      const counter: Counter<(typeof sandboxLabels)[number]> = new Counter({
        name,
        help,
        labelNames: [...sandboxLabels],
        registers,
        collect: fromLedger((all) => {
          counter.reset();
          for (const { runId, row } of sandboxRows(all))
            counter.inc({ run: runId, ...row.labels }, value(row));
        }),
      });
    };
    sandboxCounter(
      "sstar_ledger_sandbox_batches_total",
      "Sandbox batches in the spend ledger per run",
      (r) => r.batches,
    );
    sandboxCounter(
      "sstar_ledger_sandbox_cpu_seconds_total",
      "Sandbox CPU seconds in the spend ledger per run",
      (r) => r.cpuSeconds,
    );
    sandboxCounter(
      "sstar_ledger_sandbox_wall_seconds_total",
      "Sandbox wall-clock seconds in the spend ledger per run",
      (r) => r.wallSeconds,
    );
    sandboxCounter(
      "sstar_ledger_sandbox_tests_total",
      "Sandbox tests executed in the spend ledger per run",
      (r) => r.tests,
    );
    const gpuSeconds: Counter<"run" | "budget_setting" | "stage" | "model"> = new Counter({
      name: "sstar_ledger_gpu_seconds_total",
      help: "GPU-seconds of the endpoints' vLLM pods attributed to the run by the GPU meter (GPU requests × Running time, split by generated tokens; stage idle is time the run held the endpoint alone)",
      labelNames: ["run", "budget_setting", "stage", "model"],
      registers,
      collect: fromLedger((all) => {
        gpuSeconds.reset();
        for (const totals of all) {
          for (const row of totals.rows) {
            if (row.gpuSeconds <= 0) continue;
            gpuSeconds.inc(
              {
                run: totals.runId,
                budget_setting: row.key.budgetSetting ?? "",
                stage: row.key.stage ?? "",
                model: row.key.model ?? "",
              },
              row.gpuSeconds,
            );
          }
        }
      }),
    });
  }

  /** Adds a run to the exported ones (e.g. the run `sstar run` is about to start). */
  exportRun(runId: string): void {
    this.runs.add(runId);
  }

  async llm(entry: LlmSpendEntry): Promise<void> {
    this.exportRun(entry.runId);
  }

  async sandbox(entry: SandboxSpendEntry): Promise<void> {
    this.exportRun(entry.runId);
  }

  llmError(event: { runId: string }): void {
    this.exportRun(event.runId);
  }

  problemStarted(scope: ProblemScope): void {
    this.exportRun(scope.runId);
  }

  problemFinished(scope: ProblemScope): void {
    this.exportRun(scope.runId);
  }

  problemAbandoned(scope: ProblemScope): void {
    this.exportRun(scope.runId);
  }

  /** Adds the runs the ledger recorded entries for lately (at most once a minute). */
  private async discoverRecentRuns(now: number): Promise<void> {
    if (this.recentRunsMs <= 0 || now - this.lastDiscovery < DISCOVER_EVERY_MS) return;
    const since = new Date(now - this.recentRunsMs).toISOString();
    for (const runId of await this.ledger.runsSince(since)) this.runs.add(runId);
    this.lastDiscovery = now;
  }

  /** One read of every exported run's totals, shared by the series of one scrape. */
  private read(): Promise<Totals[]> {
    const now = Date.now();
    if (this.lastRead && now - this.lastRead.startedAt < READ_REUSE_MS) return this.lastRead.totals;
    const totals = this.discoverRecentRuns(now).then(() =>
      Promise.all(
        [...this.runs].map((runId) =>
          this.ledger.totals(runId, { groupBy: ["budgetSetting", "stage", "role", "model"] }),
        ),
      ),
    );
    this.lastRead = { startedAt: now, totals };
    totals.catch((error: unknown) => {
      this.readErrors.inc();
      this.logError(error);
      // A failed read is not reused: the next scrape tries again.
      if (this.lastRead?.totals === totals) this.lastRead = undefined;
    });
    return totals;
  }
}

interface LlmRow {
  labels: { budget_setting: string; stage: string; role: string; model: string };
  requests: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
}

interface SandboxRow {
  labels: { budget_setting: string; stage: string };
  batches: number;
  cpuSeconds: number;
  wallSeconds: number;
  tests: number;
}

/** LLM rows: those with a role and a model (sandbox batches have neither). */
function* llmRows(all: Totals[]): Generator<{ runId: string; row: LlmRow }> {
  for (const totals of all) {
    for (const row of totals.rows) {
      if (row.requests === 0 || row.key.role == null || row.key.model == null) continue;
      yield {
        runId: totals.runId,
        row: {
          labels: {
            budget_setting: row.key.budgetSetting ?? "",
            stage: row.key.stage ?? "",
            role: row.key.role,
            model: row.key.model,
          },
          requests: row.requests,
          promptTokens: row.promptTokens,
          completionTokens: row.completionTokens,
          cachedTokens: row.cachedTokens,
          reasoningTokens: row.reasoningTokens,
        },
      };
    }
  }
}

function* sandboxRows(all: Totals[]): Generator<{ runId: string; row: SandboxRow }> {
  for (const totals of all) {
    for (const row of totals.rows) {
      if (row.sandboxBatches === 0) continue;
      yield {
        runId: totals.runId,
        row: {
          labels: { budget_setting: row.key.budgetSetting ?? "", stage: row.key.stage ?? "" },
          batches: row.sandboxBatches,
          cpuSeconds: row.cpuSeconds,
          wallSeconds: row.wallSeconds,
          tests: row.tests,
        },
      };
    }
  }
}
