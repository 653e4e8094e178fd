import { PriorityQueue } from "../runtime/priority-queue";
import { currentWorkPriority } from "../runtime/work-priority";
import { RunnerDiedError, type RunnerLaunch, RunnerProcess } from "./runner-process";
import {
  DEFAULT_LIMITS,
  type ExecutionRequest,
  type ExecutionResult,
  ExecutorUnavailableError,
  type ProgramExecutor,
} from "./types";
import { validateRequest } from "./validate-request";

export interface RunnerPoolOptions {
  /** Builds the command line of a new runner (each gets its own sandbox). */
  launch: () => RunnerLaunch;
  size: number;
  /** Called before every execution; the unsafe mode uses it to warn loudly each time. */
  beforeEachRun?: () => void;
}

/**
 * A fixed number of long-lived runners; requests wait for an idle one, the oldest problem's first
 * (runtime/work-priority.ts), in arrival order otherwise. A runner
 * that dies is replaced and the request it held is retried once on a fresh runner, then reported.
 */
export class RunnerPool implements ProgramExecutor {
  private readonly runners = new Set<RunnerProcess>();
  private readonly idle: RunnerProcess[] = [];
  private readonly waiters = new PriorityQueue<(runner: RunnerProcess) => void>();
  private closed = false;
  private running = 0;

  constructor(private readonly options: RunnerPoolOptions) {
    for (let i = 0; i < options.size; i++) this.idle.push(this.spawn());
  }

  get size(): number {
    return this.options.size;
  }
  /** Requests waiting for a runner. */
  get queueDepth(): number {
    return this.waiters.size;
  }
  /** Requests being executed now. */
  get inFlight(): number {
    return this.running;
  }

  /** Resolves once every runner has started (the sandbox start is paid here, not by the first request). */
  async warm(): Promise<void> {
    await Promise.all([...this.runners].map((r) => r.ready));
  }

  async execute(raw: ExecutionRequest): Promise<ExecutionResult> {
    if (this.closed) throw new ExecutorUnavailableError("the executor is closed");
    const request = validateRequest(raw);
    const limits = { ...DEFAULT_LIMITS, ...request.limits };
    // Enough for every test to use its whole limit, plus sandbox and compile overheads.
    const budgetMs = (request.tests.length * (limits.timeSec + 2) + limits.timeSec + 30) * 1000;
    let lastError: Error | undefined;
    for (let attempt = 1; attempt <= 2; attempt++) {
      const runner = await this.acquire();
      this.running++;
      try {
        this.options.beforeEachRun?.();
        const result = await runner.execute(request, budgetMs);
        this.release(runner);
        return result;
      } catch (err) {
        if (!(err instanceof RunnerDiedError)) {
          this.release(runner);
          throw err;
        }
        lastError = err;
        this.replace(runner);
      } finally {
        this.running--;
      }
    }
    throw new ExecutorUnavailableError(
      `the sandbox died twice while running this program: ${lastError?.message}`,
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.runners].map((r) => r.stop()));
    this.runners.clear();
    this.idle.length = 0;
  }

  private spawn(): RunnerProcess {
    const runner = new RunnerProcess(this.options.launch());
    this.runners.add(runner);
    return runner;
  }

  private acquire(): Promise<RunnerProcess> {
    while (this.idle.length > 0) {
      const runner = this.idle.shift() as RunnerProcess;
      if (runner.alive) return Promise.resolve(runner);
      this.runners.delete(runner);
      return Promise.resolve(this.spawn());
    }
    return new Promise((resolve) => this.waiters.push(resolve, currentWorkPriority()));
  }

  private release(runner: RunnerProcess): void {
    if (this.closed) return;
    if (!runner.alive) {
      this.replace(runner);
      return;
    }
    const next = this.waiters.pop();
    if (next) next(runner);
    else this.idle.push(runner);
  }

  private replace(dead: RunnerProcess): void {
    dead.kill();
    this.runners.delete(dead);
    if (this.closed) return;
    this.release(this.spawn());
  }
}
