import {
  DEFAULT_LIMITS,
  type ExecutionLimits,
  type ExecutionRequest,
  InvalidRequestError,
  type TestCase,
} from "./types";

const LIMIT_BOUNDS: Record<keyof ExecutionLimits, [number, number]> = {
  timeSec: [0.01, 600],
  memoryBytes: [16 * 1024 ** 2, 64 * 1024 ** 3],
  outputBytes: [1, 1024 ** 3],
  fileBytes: [0, 16 * 1024 ** 3],
  processes: [1, 4096],
  openFiles: [8, 65536],
};

const REQUEST_KEYS = [
  "program",
  "kind",
  "funcName",
  "tests",
  "mode",
  "grader",
  "stopOnFailure",
  "limits",
  "entryPoint",
] as const;
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const TEST_KEYS = ["input", "expected", "keywords"] as const;

/** A misspelt key (`stop_on_failure`) would otherwise be ignored and its default used silently. */
function refuseUnknownKeys(raw: Record<string, unknown>, known: readonly string[], where: string): void {
  const unknown = Object.keys(raw).find((k) => !known.includes(k));
  if (unknown !== undefined)
    throw new InvalidRequestError(`${where}.${unknown}`, `is not a known key (known: ${known.join(", ")})`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string, fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
  throw new InvalidRequestError(field, `must be one of ${allowed.map((a) => `"${a}"`).join(", ")}`);
}

/**
 * Checks an execution request from an untrusted source (HTTP body, dataset row, CLI) and returns
 * it with defaults filled in. The error names the offending field, prefixed with `where`.
 */
export function validateRequest(raw: unknown, where = "request"): ExecutionRequest {
  if (!isRecord(raw)) throw new InvalidRequestError(where, "must be a JSON object");
  const field = (name: string) => `${where}.${name}`;
  refuseUnknownKeys(raw, REQUEST_KEYS, where);
  if (typeof raw.program !== "string") throw new InvalidRequestError(field("program"), "must be a string");
  // A lone surrogate cannot be written as UTF-8: the program would run altered (U+FFFD in its place).
  if (LONE_SURROGATE.test(raw.program))
    throw new InvalidRequestError(field("program"), "is not valid Unicode text (it holds a lone surrogate)");
  const kind = oneOf(raw.kind, ["stdin", "call"] as const, field("kind"), "stdin");
  if (raw.kind === undefined) throw new InvalidRequestError(field("kind"), 'is required ("stdin" or "call")');
  const mode = oneOf(raw.mode, ["grade", "collect"] as const, field("mode"), "grade");
  const grader = oneOf(raw.grader, ["lcb", "ref"] as const, field("grader"), "lcb");
  let funcName: string | undefined;
  if (raw.funcName !== undefined) {
    if (typeof raw.funcName !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(raw.funcName)) {
      throw new InvalidRequestError(field("funcName"), "must be a Python identifier");
    }
    funcName = raw.funcName;
  }
  if (kind === "call" && grader === "lcb" && !funcName) {
    throw new InvalidRequestError(field("funcName"), "is required for call problems under the lcb grader");
  }
  if (!Array.isArray(raw.tests)) throw new InvalidRequestError(field("tests"), "must be an array");
  const tests: TestCase[] = raw.tests.map((test, i) => {
    const at = `${field("tests")}[${i}]`;
    if (!isRecord(test)) throw new InvalidRequestError(at, "must be an object with input (and expected)");
    refuseUnknownKeys(test, TEST_KEYS, at);
    if (typeof test.input !== "string") throw new InvalidRequestError(`${at}.input`, "must be a string");
    if (test.expected !== undefined && typeof test.expected !== "string") {
      throw new InvalidRequestError(`${at}.expected`, "must be a string");
    }
    if (mode === "grade" && test.expected === undefined) {
      throw new InvalidRequestError(`${at}.expected`, "is required in grade mode");
    }
    if (test.keywords !== undefined && typeof test.keywords !== "boolean") {
      throw new InvalidRequestError(`${at}.keywords`, "must be a boolean");
    }
    const parsed: TestCase =
      test.expected === undefined ? { input: test.input } : { input: test.input, expected: test.expected };
    if (test.keywords) parsed.keywords = true;
    return parsed;
  });
  const entryPoint = oneOf(raw.entryPoint, ["resolve", "strict"] as const, field("entryPoint"), "resolve");
  let stopOnFailure = true;
  if (raw.stopOnFailure !== undefined) {
    if (typeof raw.stopOnFailure !== "boolean")
      throw new InvalidRequestError(field("stopOnFailure"), "must be a boolean");
    stopOnFailure = raw.stopOnFailure;
  }
  const limits: Partial<ExecutionLimits> = {};
  if (raw.limits !== undefined) {
    if (!isRecord(raw.limits)) throw new InvalidRequestError(field("limits"), "must be an object");
    for (const [name, value] of Object.entries(raw.limits)) {
      const bounds = LIMIT_BOUNDS[name as keyof ExecutionLimits];
      if (!bounds) {
        throw new InvalidRequestError(
          `${field("limits")}.${name}`,
          `is not a limit (known: ${Object.keys(DEFAULT_LIMITS).join(", ")})`,
        );
      }
      if (typeof value !== "number" || !Number.isFinite(value) || value < bounds[0] || value > bounds[1]) {
        throw new InvalidRequestError(
          `${field("limits")}.${name}`,
          `must be a number in [${bounds[0]}, ${bounds[1]}]`,
        );
      }
      limits[name as keyof ExecutionLimits] = value;
    }
  }
  return { program: raw.program, kind, funcName, tests, mode, grader, stopOnFailure, limits, entryPoint };
}
