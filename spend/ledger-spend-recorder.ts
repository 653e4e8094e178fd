import type { LlmSpendEntry, SandboxSpendEntry, SpendLedger } from "../ledger/types";
import type { SpendRecorder } from "./spend-recorder";

/**
 * Spend into the durable ledger: a write resolves once the entry is stored, and a second write
 * with the same request id (a retried activity re-recording a response it already paid for) is a
 * no-op. Problem progress and failed requests are not spend, so they are not the ledger's business.
 */
export class LedgerSpendRecorder implements SpendRecorder {
  constructor(private readonly ledger: SpendLedger) {}

  async llm(entry: LlmSpendEntry): Promise<void> {
    await this.ledger.recordLlm(entry);
  }

  async sandbox(entry: SandboxSpendEntry): Promise<void> {
    await this.ledger.recordSandbox(entry);
  }

  llmError(): void {}

  problemStarted(): void {}

  problemFinished(): void {}

  problemAbandoned(): void {}
}
