import type { ProgramExecutor } from "../sandbox/types";
import { DEFAULT_LIMITS, type ExecutionRequest, type ExecutionResult } from "../sandbox/types";
import { type KeyedStore, keyHash } from "../store/content-store";

/**
 * Executions keyed by (program, tests, kind, function, mode, grader, limits): a retried or resumed
 * activity, a reselection or a second method selecting among the same programs runs nothing again.
 */
export class CachedExecutor {
  constructor(
    private readonly executor: () => Promise<ProgramExecutor>,
    private readonly cache: KeyedStore,
  ) {}

  async execute(request: ExecutionRequest): Promise<ExecutionResult & { fromCache: boolean }> {
    const key = `exec:${keyHash(
      JSON.stringify([
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
    const hit = await this.cache.get<ExecutionResult>(key);
    if (hit) return { ...hit, fromCache: true };
    const result = await (await this.executor()).execute(request);
    await this.cache.putIfAbsent(key, result);
    return { ...result, fromCache: false };
  }
}
