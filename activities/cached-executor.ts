import type { ProgramExecutor } from "../sandbox/types";
import { DEFAULT_LIMITS, type ExecutionRequest, type ExecutionResult } from "../sandbox/types";
import { sandboxRequestId } from "../spend/request-ids";
import type { SandboxSpendContext } from "../spend/spend-context";
import { NO_SPEND_RECORDING, type SpendRecorder } from "../spend/spend-recorder";
import { type KeyedStore, keyHash } from "../store/content-store";

type CachedResult = ExecutionResult & { fromCache: boolean };

/**
 * 2: call-based programs' entry points are resolved (sandbox/runner/sstar_runner.py resolve_entry_point).
 * 3: resolved call-based programs get LeetCode's prelude (List, deque, …) under the `ref` grader too.
 */
const RUNNER_SEMANTICS = 3;

/**
 * Executions keyed by (program, tests, kind, function, mode, grader, limits): a retried or resumed
 * activity, a reselection or a second method selecting among the same programs runs nothing again.
 * An execution that really ran is recorded as spend, under its payer, before it is cached.
 */
export class CachedExecutor {
  /** Executions running now, by key: a concurrent ask for the same one waits instead of paying again. */
  private readonly running = new Map<string, Promise<ExecutionResult>>();

  constructor(
    private readonly executor: () => Promise<ProgramExecutor>,
    private readonly cache: KeyedStore,
    private readonly spend: SpendRecorder = NO_SPEND_RECORDING,
  ) {}

  async execute(request: ExecutionRequest, payer?: SandboxSpendContext): Promise<CachedResult> {
    const key = `exec:${keyHash(
      JSON.stringify([
        // The runner's semantics: bumped when the same request would now give another result.
        RUNNER_SEMANTICS,
        request.entryPoint ?? "resolve",
        request.program,
        request.tests,
        request.kind,
        request.funcName ?? null,
        request.mode ?? "grade",
        request.grader ?? "lcb",
        request.stopOnFailure ?? true,
        { ...DEFAULT_LIMITS, ...request.limits },
      ]),
    )}`;
    const running = this.running.get(key);
    if (running) return { ...(await running), fromCache: true };
    const execution = this.executeOnce(key, request, payer);
    this.running.set(key, execution);
    try {
      return await execution;
    } finally {
      this.running.delete(key);
    }
  }

  private async executeOnce(
    key: string,
    request: ExecutionRequest,
    payer: SandboxSpendContext | undefined,
  ): Promise<CachedResult> {
    const hit = await this.cache.get<ExecutionResult>(key);
    if (hit) return { ...hit, fromCache: true };
    const result = await (await this.executor()).execute(request);
    // Recorded before cached: once a retry can find the result in the cache (and run nothing),
    // what this execution cost is already in the ledger.
    if (payer) {
      await this.spend.sandbox({
        requestId: sandboxRequestId(payer, key),
        runId: payer.runId,
        budgetSetting: payer.budgetSetting,
        problemId: payer.problemId,
        stage: payer.stage,
        cpuSeconds: result.cpuMs / 1000,
        wallSeconds: result.wallMs / 1000,
        tests: result.tests.length,
        at: new Date().toISOString(),
      });
    }
    await this.cache.putIfAbsent(key, result);
    return { ...result, fromCache: false };
  }
}
