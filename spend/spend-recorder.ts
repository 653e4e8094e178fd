import type { LlmSpendEntry, SandboxSpendEntry } from "../ledger/types";

/** An LLM request that failed, by kind (`timeout`, `rate_limited`, `server_error`, `bad_request`, ...). */
export interface LlmErrorEvent {
  runId: string;
  budgetSetting: string;
  stage: string;
  role: string;
  model: string;
  endpoint: string;
  kind: string;
}

/** Which run and budget setting a problem belongs to: the bounded labels of live metrics. */
export interface ProblemScope {
  runId: string;
  budgetSetting: string;
}

/**
 * Where activities report spend as it happens. The ledger implementation is the source of truth
 * (a write resolves once durable, and is idempotent by request id); the metrics implementation
 * feeds Prometheus. Activities call `llm` for every paid response and `sandbox` for every executed
 * batch before they return, so nothing paid is lost when a worker dies after reporting.
 */
export interface SpendRecorder {
  llm(entry: LlmSpendEntry): Promise<void>;
  sandbox(entry: SandboxSpendEntry): Promise<void>;
  llmError(event: LlmErrorEvent): void;
  problemStarted(scope: ProblemScope): void;
  problemFinished(scope: ProblemScope): void;
  /** A started attempt that failed: the problem is no longer in flight here, and not done. */
  problemAbandoned(scope: ProblemScope): void;
}

/** Every recorder in turn; a durable write's failure fails the call (the activity is retried). */
export class CompositeSpendRecorder implements SpendRecorder {
  constructor(private readonly recorders: SpendRecorder[]) {}

  async llm(entry: LlmSpendEntry): Promise<void> {
    for (const r of this.recorders) await r.llm(entry);
  }

  async sandbox(entry: SandboxSpendEntry): Promise<void> {
    for (const r of this.recorders) await r.sandbox(entry);
  }

  llmError(event: LlmErrorEvent): void {
    for (const r of this.recorders) r.llmError(event);
  }

  problemStarted(scope: ProblemScope): void {
    for (const r of this.recorders) r.problemStarted(scope);
  }

  problemFinished(scope: ProblemScope): void {
    for (const r of this.recorders) r.problemFinished(scope);
  }

  problemAbandoned(scope: ProblemScope): void {
    for (const r of this.recorders) r.problemAbandoned(scope);
  }
}

/** For callers outside a run (e.g. `sstar exec`): records nothing. */
export const NO_SPEND_RECORDING: SpendRecorder = {
  llm: async () => {},
  sandbox: async () => {},
  llmError: () => {},
  problemStarted: () => {},
  problemFinished: () => {},
  problemAbandoned: () => {},
};
