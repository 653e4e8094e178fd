/**
 * Errors that end a command with a documented exit code (docs/when-things-fail.md): 2 when the
 * command was asked for something that cannot be, 3 when something it needs is not there.
 */

/** Bad usage (no such run, a flag out of range): exit 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Infrastructure unavailable (no Temporal server, a port taken): exit 3. */
export class UnavailableError extends Error {
  readonly exitCode = 3;
  constructor(message: string) {
    super(message);
    this.name = "UnavailableError";
  }
}
