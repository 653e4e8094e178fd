import { DefaultLogger, type Logger, type LogLevel, type LogMetadata } from "@temporalio/worker";

const RANK: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

/** `sstar-run-<run>--<problem>` (or a sweep's): the problem's id; otherwise the workflow id itself. */
function problemOf(workflowId: unknown): string {
  const id = String(workflowId ?? "?");
  const at = id.lastIndexOf("--");
  return at >= 0 ? id.slice(at + 2) : id;
}

/** The first line of the error's message, with its class: what a reader needs to know about one fault. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // A workflow's failure wraps the activity's: the innermost cause says what went wrong.
  let inner: Error = error;
  while (inner.cause instanceof Error) inner = inner.cause;
  const first = inner.message.split("\n")[0] ?? "";
  const type = (inner as { type?: unknown }).type;
  const name = typeof type === "string" && type ? type : inner.name;
  return `${name}: ${first.length > 300 ? `${first.slice(0, 300)}…` : first}`;
}

/**
 * The SDK's logger, except that a failed activity attempt is one line (stage, problem, attempt,
 * reason) instead of a block with the stack: under faults a run prints one line per fault. At DEBUG
 * and below everything, stacks included, goes through unchanged.
 */
export class ConciseLogger implements Logger {
  private readonly full: DefaultLogger;
  constructor(
    private readonly level: LogLevel,
    private readonly write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {
    this.full = new DefaultLogger(level);
  }

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    if (RANK[level] < RANK[this.level]) return;
    if (RANK[this.level] >= RANK.INFO && message === "Activity failed" && meta) {
      this.write(
        `sstar: ${String(meta.activityType ?? "activity")} of ${problemOf(meta.workflowId)} failed (attempt ${String(meta.attempt ?? "?")}): ${reasonOf(meta.error)}`,
      );
      return;
    }
    if (RANK[this.level] >= RANK.INFO && message === "Workflow failed" && meta) {
      // The run records the problem as errored with this reason; the log needs no more than a line.
      this.write(`sstar: ${problemOf(meta.workflowId)} errored: ${reasonOf(meta.error)}`);
      return;
    }
    this.full.log(level, message, meta);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log("TRACE", message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log("DEBUG", message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log("INFO", message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log("WARN", message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log("ERROR", message, meta);
  }
}
