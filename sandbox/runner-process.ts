import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import {
  DEFAULT_LIMITS,
  type ExecutionRequest,
  type ExecutionResult,
  type Outcome,
  type TestResult,
} from "./types";

/** A sandbox that has not said it is ready by then is killed (and reported as dead). */
const READY_TIMEOUT_MS = 60_000;

/** How to start one runner: the command line and whether it runs inside gVisor. */
export interface RunnerLaunch {
  command: string;
  args: string[];
  env: Record<string, string>;
  isolation: "gvisor" | "process";
  /** Called after the runner exited, to remove what its start left behind (sandbox state). */
  cleanup?: () => Promise<void>;
}

/** The runner process exited or stopped answering; the request it held may be retried elsewhere. */
export class RunnerDiedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RunnerDiedError";
  }
}

interface RunnerResponse {
  id?: string;
  error?: string;
  compile_error?: string | null;
  no_entry_point?: boolean;
  results?: {
    verdict: Outcome;
    output?: string;
    expected?: string;
    error?: string;
    exception?: string;
    cpu_ms: number;
    wall_ms: number;
  }[];
  cpu_ms?: number;
  wall_ms?: number;
  ready?: boolean;
}

/**
 * One long-lived sstar_runner.py (inside a gVisor sandbox or as a plain process), driven by one JSON
 * line per request. It serves one request at a time; the pool decides who waits.
 */
export class RunnerProcess {
  private child: ChildProcess;
  private pending: { resolve: (r: RunnerResponse) => void; reject: (e: Error) => void } | undefined;
  private exited = false;
  private stderrTail = "";
  private sequence = 0;
  readonly ready: Promise<void>;

  constructor(readonly launch: RunnerLaunch) {
    this.child = spawn(launch.command, launch.args, { env: launch.env, stdio: ["pipe", "pipe", "pipe"] });
    let resolveReady: () => void = () => {};
    let rejectReady: (e: Error) => void = () => {};
    this.ready = new Promise((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    this.ready.catch(() => {});
    let isReady = false;
    const startTimer = setTimeout(() => {
      if (!isReady) this.kill();
    }, READY_TIMEOUT_MS);
    const lines = createInterface({ input: this.child.stdout as NodeJS.ReadableStream });
    lines.on("line", (line) => {
      let message: RunnerResponse;
      try {
        message = JSON.parse(line) as RunnerResponse;
      } catch {
        return; // not ours: runsc may print its own notices
      }
      if (!isReady && message.ready) {
        isReady = true;
        clearTimeout(startTimer);
        resolveReady();
        return;
      }
      const waiter = this.pending;
      this.pending = undefined;
      waiter?.resolve(message);
    });
    this.child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-4000);
    });
    this.child.stdin?.on("error", () => {}); // EPIPE when it died; reported through "exit"
    const onGone = (why: string) => {
      if (this.exited) return;
      this.exited = true;
      clearTimeout(startTimer);
      const error = new RunnerDiedError(
        `${why}${this.stderrTail ? `; stderr: ${this.stderrTail.trim()}` : ""}`,
      );
      rejectReady(error);
      this.pending?.reject(error);
      this.pending = undefined;
      void launch.cleanup?.();
    };
    this.child.once("error", (err) => onGone(`cannot start ${launch.command}: ${err.message}`));
    this.child.once("close", (code, signal) =>
      onGone(`the ${launch.isolation} runner exited (code ${code}, signal ${signal})`),
    );
  }

  get alive(): boolean {
    return !this.exited;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Runs a validated request; rejects with RunnerDiedError if the runner dies or exceeds `timeoutMs`. */
  async execute(request: ExecutionRequest, timeoutMs: number): Promise<ExecutionResult> {
    await this.ready;
    if (this.exited) throw new RunnerDiedError("the runner is gone");
    if (this.pending) throw new Error("a runner serves one request at a time");
    const id = String(++this.sequence);
    const limits = { ...DEFAULT_LIMITS, ...request.limits };
    const job = {
      id,
      program: request.program,
      kind: request.kind,
      func_name: request.funcName ?? null,
      entry_point: request.entryPoint ?? "resolve",
      grader: request.grader ?? "lcb",
      mode: request.mode ?? "grade",
      stop_on_failure: request.stopOnFailure ?? true,
      tests: request.tests.map((t) => ({
        input: t.input,
        expected: t.expected ?? null,
        ...(t.keywords ? { keywords: true } : {}),
      })),
      limits: {
        time_s: limits.timeSec,
        memory_bytes: limits.memoryBytes,
        output_bytes: limits.outputBytes,
        file_bytes: limits.fileBytes,
        processes: limits.processes,
        open_files: limits.openFiles,
      },
    };
    const response = await new Promise<RunnerResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        reject(new RunnerDiedError(`the runner did not answer within ${timeoutMs} ms`));
        this.kill();
      }, timeoutMs);
      this.pending = {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.child.stdin?.write(`${JSON.stringify(job)}\n`);
    });
    if (response.error) throw new Error(`the runner rejected the request: ${response.error}`);
    const tests: TestResult[] = (response.results ?? []).map((r) => {
      const test: TestResult = { outcome: r.verdict, cpuMs: r.cpu_ms, wallMs: r.wall_ms };
      if (r.output !== undefined) test.output = r.output;
      if (r.expected !== undefined) test.expected = r.expected;
      if (r.error !== undefined && r.error !== null) test.error = r.error;
      return test;
    });
    const result: ExecutionResult = {
      grader: job.grader,
      mode: job.mode,
      tests,
      cpuMs: response.cpu_ms ?? 0,
      wallMs: response.wall_ms ?? 0,
      isolation: this.launch.isolation,
    };
    if (response.compile_error) result.compileError = response.compile_error;
    if (response.compile_error && response.no_entry_point) result.loadFailure = "no_entry_point";
    return result;
  }

  kill(): void {
    if (!this.exited) this.child.kill("SIGKILL");
  }

  /** Closes the runner's stdin (it exits after the request in hand) and waits, then kills. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once("close", () => resolve()));
    this.child.stdin?.end();
    const timer = setTimeout(() => this.kill(), graceMs);
    await gone;
    clearTimeout(timer);
  }
}
