/** How a problem's program is called: stdin/stdout, or LeetCode-style call of `funcName`. */
export type ProblemKind = "stdin" | "call";

/** `lcb`: LiveCodeBench's official rules. `ref`: the S* reference harness's strict comparison. */
export type GraderName = "lcb" | "ref";

/** `grade`: compare with expected outputs. `collect`: run every input and return what came out. */
export type ExecutionMode = "grade" | "collect";

export const VERDICTS = [
  "passed",
  "wrong_answer",
  "runtime_error",
  "time_limit",
  "memory_limit",
  "output_limit",
  "compile_error",
  /** A call-based program loaded, but no function to call could be found (docs/entry-points.md). */
  "no_entry_point",
] as const;
export type Verdict = (typeof VERDICTS)[number];

/** A test's outcome: a verdict when grading; `ok` (with the output) when collecting. */
export type Outcome = Verdict | "ok";

export interface ExecutionLimits {
  /** Per test, wall clock (as LiveCodeBench's alarm); CPU is capped at this plus 2 s. */
  timeSec: number;
  /** Address space of the program's process. */
  memoryBytes: number;
  /** Bytes the program may print per process (captured stdout plus raw writes to fds 1 and 2). */
  outputBytes: number;
  /** Largest file the program may write in its scratch folder. */
  fileBytes: number;
  /** Processes (and threads) the program may have at once. */
  processes: number;
  openFiles: number;
}

export const DEFAULT_LIMITS: ExecutionLimits = {
  timeSec: 6,
  memoryBytes: 4 * 1024 ** 3,
  outputBytes: 16 * 1024 ** 2,
  fileBytes: 64 * 1024 ** 2,
  processes: 16,
  openFiles: 256,
};

export interface TestCase {
  /** stdin text, or for call problems one JSON value per line (the arguments in order). */
  input: string;
  /** Expected stdout, or the JSON of the expected return value. Absent in collect mode. */
  expected?: string;
  /**
   * Call problems: `input` is one JSON object whose entries are passed as keyword arguments
   * (the reference's generated tests), instead of one JSON value per line passed positionally.
   */
  keywords?: boolean;
}

export interface ExecutionRequest {
  program: string;
  kind: ProblemKind;
  /** The method or function to call (call problems; LiveCodeBench's metadata.func_name). */
  funcName?: string;
  tests: TestCase[];
  mode?: ExecutionMode;
  grader?: GraderName;
  /** Grade mode: stop at the first failing test, as LiveCodeBench does. Default true. */
  stopOnFailure?: boolean;
  limits?: Partial<ExecutionLimits>;
  /**
   * Call problems: `resolve` (default) finds the function the way every stage shares (funcName on
   * `Solution` or the module, then a renamed or top-level function taking the test's arguments);
   * `strict` only what the grader itself finds (LiveCodeBench: funcName; the reference: the first
   * name before a parenthesis).
   */
  entryPoint?: EntryPointPolicy;
}

export type EntryPointPolicy = "resolve" | "strict";

export interface TestResult {
  outcome: Outcome;
  /** The program's output (stdout, or the repr of the return value); truncated when grading. */
  output?: string;
  /** Expected output, truncated; on wrong answers. */
  expected?: string;
  /** The error: traceback or reason, or the tail of stderr. */
  error?: string;
  cpuMs: number;
  wallMs: number;
}

export interface ExecutionResult {
  grader: GraderName;
  mode: ExecutionMode;
  /** Set when the program could not be loaded; `tests` is then empty. */
  compileError?: string;
  /** Why it could not be loaded, when that was no compile error: no function to call was found. */
  loadFailure?: "no_entry_point";
  /** One per test that ran, in input order; in grade mode with stopOnFailure it ends at the first failure. */
  tests: TestResult[];
  cpuMs: number;
  wallMs: number;
  /** Where it ran: a gVisor sandbox, or a plain process (inside a pod that is itself sandboxed). */
  isolation: "gvisor" | "process";
}

/** The executor boundary that activities, the service and the CLI use. */
export interface ProgramExecutor {
  execute(request: ExecutionRequest): Promise<ExecutionResult>;
  close(): Promise<void>;
}

/** Thrown when a request is malformed; the message names the field. */
export class InvalidRequestError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = "InvalidRequestError";
  }
  /** Bad input: the CLI's exit code when this ends a command (see docs/when-things-fail.md). */
  get exitCode(): 2 {
    return 2;
  }
}

/** Thrown when the executor cannot run the request (a sandbox died twice, the pool is closed). */
export class ExecutorUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExecutorUnavailableError";
  }
  /** Infrastructure unavailable: the CLI's exit code when this ends a command. */
  get exitCode(): 3 {
    return 3;
  }
}
