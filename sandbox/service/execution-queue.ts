/** Raised for a job that was dropped from the queue before it started (its request went away). */
export class JobAbortedError extends Error {
  constructor() {
    super("job dropped from the queue before it started");
    this.name = "JobAbortedError";
  }
}

interface WaitingJob {
  start: () => void;
  drop: () => void;
}

/**
 * Runs at most `maxConcurrent` jobs at once with at most `maxQueue` waiting behind them. Admission
 * is the caller's decision (`canAdmit`), taken in the same tick as `run`, so that a request is
 * either wholly queued or wholly refused.
 */
export class ExecutionQueue {
  private inFlight = 0;
  private readonly waitingJobs: WaitingJob[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(
    readonly maxConcurrent: number,
    readonly maxQueue: number,
  ) {
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1)
      throw new RangeError("maxConcurrent must be >= 1");
    if (!Number.isInteger(maxQueue) || maxQueue < 0) throw new RangeError("maxQueue must be >= 0");
  }

  get running(): number {
    return this.inFlight;
  }

  get waiting(): number {
    return this.waitingJobs.length;
  }

  /** Jobs the queue holds at most: running plus waiting. */
  get capacity(): number {
    return this.maxConcurrent + this.maxQueue;
  }

  canAdmit(jobs: number): boolean {
    return this.inFlight + this.waitingJobs.length + jobs <= this.capacity;
  }

  /**
   * Runs `job` when a slot is free. An abort while the job still waits drops it (rejecting with
   * JobAbortedError); a job already running is left to finish, since executions cannot be cancelled.
   */
  run<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(new JobAbortedError());
    if (this.inFlight < this.maxConcurrent) return this.start(job);
    return new Promise<T>((resolve, reject) => {
      const entry: WaitingJob = {
        start: () => {
          signal?.removeEventListener("abort", onAbort);
          this.start(job).then(resolve, reject);
        },
        drop: () => reject(new JobAbortedError()),
      };
      const onAbort = () => {
        const index = this.waitingJobs.indexOf(entry);
        if (index < 0) return;
        this.waitingJobs.splice(index, 1);
        entry.drop();
        this.notifyIfIdle();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waitingJobs.push(entry);
    });
  }

  /** Resolves once nothing runs and nothing waits. */
  idle(): Promise<void> {
    if (this.inFlight === 0 && this.waitingJobs.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async start<T>(job: () => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await job();
    } finally {
      this.inFlight--;
      this.waitingJobs.shift()?.start();
      this.notifyIfIdle();
    }
  }

  private notifyIfIdle(): void {
    if (this.inFlight > 0 || this.waitingJobs.length > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
