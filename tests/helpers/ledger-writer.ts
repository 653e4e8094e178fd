/**
 * A separate process for the ledger tests. argv[2] is JSON:
 *   { mode: "write", target, runId, ids | count, hold? }  records one LLM entry per id (ids, or
 *     `<runId>-0` … `<runId>-<count-1>`; prompt 1,
 *     completion 2), printing `written <id> <new|duplicate>` once each write has resolved, then
 *     `done <new count>`; with `hold` it then waits to be killed instead of exiting.
 *   { mode: "read", target, runId }  prints the run's request ids as one JSON line `ids [...]`.
 */
import { type LedgerTarget, openLedger } from "../../ledger/open-ledger";

interface WriteJob {
  mode: "write";
  target: LedgerTarget;
  runId: string;
  ids?: string[];
  count?: number;
  hold?: boolean;
}
interface ReadJob {
  mode: "read";
  target: LedgerTarget;
  runId: string;
}

function print(line: string): Promise<void> {
  return new Promise((resolve) => process.stdout.write(`${line}\n`, () => resolve()));
}

const job = JSON.parse(process.argv[2] ?? "{}") as WriteJob | ReadJob;
const ledger = await openLedger(job.target);
await print("ready");
if (job.mode === "read") {
  const ids: string[] = [];
  for await (const e of ledger.entries(job.runId)) ids.push(e.requestId);
  await print(`ids ${JSON.stringify(ids)}`);
  await ledger.close();
} else {
  let fresh = 0;
  const ids = job.ids ?? Array.from({ length: job.count ?? 0 }, (_, i) => `${job.runId}-${i}`);
  for (const id of ids) {
    const { duplicate } = await ledger.recordLlm({
      requestId: id,
      runId: job.runId,
      budgetSetting: "n=4,r=1",
      problemId: "p1",
      stage: "generate",
      role: "generator",
      model: "m",
      endpoint: "e",
      promptTokens: 1,
      completionTokens: 2,
      cachedTokens: 0,
      reasoningTokens: 0,
      latencyMs: 1,
      attempt: 1,
      at: new Date().toISOString(),
    });
    if (!duplicate) fresh++;
    await print(`written ${id} ${duplicate ? "duplicate" : "new"}`);
  }
  await print(`done ${fresh}`);
  if (job.hold) setInterval(() => {}, 60_000);
  else await ledger.close();
}
