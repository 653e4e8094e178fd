import { inflateSync } from "node:zlib";
import { BadRowError, type Problem, type TestCase } from "./problem";

/**
 * Rows in LiveCodeBench's `code_generation_lite` shape: LiveCodeBench's own shards, sstar's JSONL (the
 * same shape, optionally with `reference_solution`) and the CodeContests JSONL of ../shared/data (which
 * has `name` instead of `question_title`, CodeContests' numeric difficulty, and no platform or metadata).
 */

const LCB_DIFFICULTIES = ["easy", "medium", "hard"];

/** deepmind/code_contests' `Difficulty` enum, by value. */
const CODECONTESTS_DIFFICULTIES = [
  "UNKNOWN_DIFFICULTY",
  "EASY",
  "MEDIUM",
  "HARD",
  "HARDER",
  "HARDEST",
  "EXTERNAL",
  ..."ABCDEFGHIJKLMNOPQRSTUV",
];

const PYTHON_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Node's strings stop near 512 MiB; a blob that inflates past this is not a test list we can hold. */
const MAX_INFLATED_BYTES = 512 * 1024 ** 2;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Normalizes one row; throws a BadRowError naming `where` and the field when the row is unusable. */
export function problemFromRow(row: unknown, where: string): Problem {
  if (!isRecord(row)) throw new BadRowError(where, undefined, "a row must be a JSON object");
  const bad = (field: string, detail: string) => new BadRowError(where, field, detail);

  const id = questionId(row.question_id, bad);
  // Grading needs no statement (the decoded fixture has none): absent means empty; generation must refuse that.
  const content = optionalString(row, "question_content", bad) ?? "";
  const title = optionalString(row, "question_title", bad) ?? optionalString(row, "name", bad) ?? id;
  const codeContests = typeof row.difficulty === "number";
  // CodeContests' test split is made of Codeforces problems only.
  const platform = optionalString(row, "platform", bad) ?? (codeContests ? "codeforces" : undefined);
  if (platform === undefined) throw bad("platform", "is missing");
  const funcName = functionName(row.metadata, bad);

  const publicTests = testList(row.public_test_cases, "public_test_cases", bad);
  if (publicTests === undefined) throw bad("public_test_cases", "is missing");
  const privateTests = testList(row.private_test_cases, "private_test_cases", bad) ?? [];
  const all = [...publicTests, ...privateTests];
  // As LiveCodeBench decides: one stdin test makes the whole problem stdin.
  const kind =
    all.some((t) => t.testtype === "stdin") || (all.length === 0 && funcName === undefined)
      ? "stdin"
      : "call";

  const problem: Problem = {
    id,
    title,
    content,
    platform,
    contestDate: optionalString(row, "contest_date", bad) ?? "",
    difficulty: difficulty(row.difficulty, bad),
    starterCode: optionalString(row, "starter_code", bad) ?? "",
    kind,
    publicTests: publicTests.map(toTestCase),
    privateTests: privateTests.map(toTestCase),
  };
  if (funcName !== undefined) problem.funcName = funcName;
  const referenceSolution = optionalString(row, "reference_solution", bad);
  if (referenceSolution !== undefined) problem.referenceSolution = referenceSolution;
  return problem;
}

type Bad = (field: string, detail: string) => BadRowError;

interface RawTest {
  input: string;
  output: string;
  testtype: "stdin" | "functional";
}

function toTestCase(test: RawTest): TestCase {
  return { input: test.input, expected: test.output };
}

function presence(value: unknown, wanted: string): string {
  return value === undefined ? "is missing" : `must be ${wanted}, not ${typeName(value)}`;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function optionalString(row: Record<string, unknown>, field: string, bad: Bad): string | undefined {
  const value = row[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw bad(field, presence(value, "a string"));
  return value;
}

function questionId(value: unknown, bad: Bad): string {
  if (typeof value === "number" && Number.isInteger(value)) return String(value);
  if (typeof value === "string" && value.trim() !== "") return value;
  throw bad("question_id", presence(value, "a non-empty string"));
}

function difficulty(value: unknown, bad: Bad): string {
  if (typeof value === "string") {
    if (LCB_DIFFICULTIES.includes(value)) return value;
    throw bad("difficulty", `must be one of ${LCB_DIFFICULTIES.join(", ")}, not ${JSON.stringify(value)}`);
  }
  if (typeof value === "number") {
    const name = Number.isInteger(value) ? CODECONTESTS_DIFFICULTIES[value] : undefined;
    if (name === undefined) throw bad("difficulty", `${value} is not a CodeContests difficulty`);
    return name;
  }
  throw bad("difficulty", presence(value, "a string (or CodeContests' number)"));
}

function functionName(value: unknown, bad: Bad): string | undefined {
  if (value === undefined || value === null) return undefined;
  let metadata = value;
  if (typeof value === "string") {
    try {
      metadata = value.trim() === "" ? {} : JSON.parse(value);
    } catch (err) {
      throw bad("metadata", `not valid JSON (${(err as Error).message})`);
    }
  }
  if (!isRecord(metadata)) throw bad("metadata", `must be an object or its JSON, not ${typeName(metadata)}`);
  const name = metadata.func_name;
  if (name === undefined || name === null) return undefined;
  if (typeof name !== "string" || !PYTHON_IDENTIFIER.test(name)) {
    throw bad("metadata.func_name", `must be a Python identifier, not ${JSON.stringify(name)}`);
  }
  return name;
}

/** A test list given as an array, its JSON, or LiveCodeBench's base64 → zlib → pickled str → JSON. */
function testList(value: unknown, field: string, bad: Bad): RawTest[] | undefined {
  if (value === undefined || value === null) return undefined;
  let list: unknown = value;
  if (typeof value === "string") {
    const text = value.trim();
    if (text.startsWith("[")) {
      try {
        list = JSON.parse(text);
      } catch (err) {
        throw bad(field, `not valid JSON (${(err as Error).message})`);
      }
    } else {
      let json: string;
      try {
        json = unpickleString(inflateBase64(text));
      } catch (err) {
        throw bad(field, `not valid base64/zlib/pickle (${(err as Error).message})`);
      }
      try {
        list = JSON.parse(json);
      } catch (err) {
        throw bad(field, `the pickled string is not valid JSON (${(err as Error).message})`);
      }
    }
  }
  if (!Array.isArray(list)) throw bad(field, `must be a list of tests, not ${typeName(list)}`);
  return list.map((test, i) => rawTest(test, `${field}[${i}]`, bad));
}

function rawTest(test: unknown, field: string, bad: Bad): RawTest {
  if (!isRecord(test)) throw bad(field, `must be an object {input, output, testtype}, not ${typeName(test)}`);
  for (const key of ["input", "output"] as const) {
    if (typeof test[key] !== "string") throw bad(`${field}.${key}`, presence(test[key], "a string"));
  }
  if (test.testtype !== "stdin" && test.testtype !== "functional") {
    throw bad(`${field}.testtype`, `must be "stdin" or "functional", not ${JSON.stringify(test.testtype)}`);
  }
  return test as unknown as RawTest;
}

function inflateBase64(text: string): Buffer {
  const compact = text.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact)) throw new Error("not base64");
  return inflateSync(Buffer.from(compact, "base64"), { maxOutputLength: MAX_INFLATED_BYTES });
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes a pickle (protocol 2–5) holding exactly one `str`: the only thing LiveCodeBench pickles.
 * Any other opcode is refused rather than interpreted, so a hostile blob cannot do more than fail.
 */
export function unpickleString(bytes: Uint8Array): string {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const strings: string[] = [];
  let at = 0;
  const take = (n: number): Buffer => {
    if (at + n > data.length) throw new Error(`truncated pickle: ${n} bytes needed at byte ${at}`);
    const slice = data.subarray(at, at + n);
    at += n;
    return slice;
  };
  const pushString = (length: number) => strings.push(utf8.decode(take(length)));
  for (;;) {
    const opcode = take(1)[0];
    switch (opcode) {
      case 0x80: {
        const protocol = take(1)[0] ?? 0;
        if (protocol < 2 || protocol > 5) throw new Error(`unsupported pickle protocol ${protocol}`);
        break;
      }
      case 0x95: // FRAME: only groups the opcodes that follow, for buffered reading
        take(8);
        break;
      case 0x8c: // SHORT_BINUNICODE
        pushString(take(1)[0] ?? 0);
        break;
      case 0x58: // BINUNICODE
        pushString(take(4).readUInt32LE(0));
        break;
      case 0x8d: {
        // BINUNICODE8
        const length = take(8).readBigUInt64LE(0);
        if (length > BigInt(data.length)) throw new Error(`truncated pickle: a ${length}-byte string`);
        pushString(Number(length));
        break;
      }
      case 0x94: // MEMOIZE: a lone string is never referred back to
        if (strings.length === 0) throw new Error("MEMOIZE with nothing to memoize");
        break;
      case 0x2e: {
        // STOP
        const [only] = strings;
        if (strings.length !== 1 || only === undefined) {
          throw new Error(`expected one pickled string, found ${strings.length}`);
        }
        if (at !== data.length) throw new Error(`${data.length - at} bytes after the pickle's end`);
        return only;
      }
      default:
        throw new Error(`unsupported pickle opcode 0x${(opcode ?? 0).toString(16)} at byte ${at - 1}`);
    }
  }
}
