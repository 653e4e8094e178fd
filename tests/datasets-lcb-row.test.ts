import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deflateSync, gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { problemFromRow, unpickleString } from "../datasets/lcb-row";
import { BadRowError, type Problem } from "../datasets/problem";
import { type RowAt, readRows } from "../datasets/read-rows";
import { projectRoot } from "../runtime/paths";
import { tempDir } from "./helpers/processes";

const DATA = join(projectRoot, "..", "shared", "data");
const FIXTURES = join(DATA, "fixtures");
const scratch = tempDir("rows");
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface RawTest {
  input: string;
  output: string;
  testtype: "stdin" | "functional";
}
interface DecodedRow {
  question_id: string;
  question_title: string;
  platform: string;
  contest_date: string;
  difficulty: string;
  starter_code: string;
  metadata: { func_name?: string };
  public_test_cases: RawTest[];
  private_test_cases: RawTest[];
}

async function loadAll(file: string): Promise<Problem[]> {
  const problems: Problem[] = [];
  for await (const { row, where } of readRows(file)) problems.push(problemFromRow(row, where));
  return problems;
}

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

/** A pickle of one str, laid out as CPython's pickler writes it with the given string opcode. */
function pickleString(
  text: string,
  opcode: "short" | "unicode" | "unicode8",
  options = { framed: true },
): Buffer {
  const utf8 = Buffer.from(text, "utf8");
  let header: Buffer;
  if (opcode === "short") header = Buffer.from([0x8c, utf8.length]);
  else if (opcode === "unicode") {
    header = Buffer.alloc(5);
    header[0] = 0x58;
    header.writeUInt32LE(utf8.length, 1);
  } else {
    header = Buffer.alloc(9);
    header[0] = 0x8d;
    header.writeBigUInt64LE(BigInt(utf8.length), 1);
  }
  const body = Buffer.concat([header, utf8, Buffer.from([0x94, 0x2e])]);
  if (!options.framed) return Buffer.concat([Buffer.from([0x80, 0x04]), body]);
  const frame = Buffer.alloc(9);
  frame[0] = 0x95;
  frame.writeBigUInt64LE(BigInt(body.length), 1);
  return Buffer.concat([Buffer.from([0x80, 0x05]), frame, body]);
}

const blob = (pickle: Buffer) => deflateSync(pickle).toString("base64");

describe("the raw LiveCodeBench fixture", () => {
  it("decodes to exactly the tests of lcb_lite_decoded_sample.json, pickled or plain", async () => {
    const decoded = JSON.parse(
      readFileSync(join(FIXTURES, "lcb_lite_decoded_sample.json"), "utf8"),
    ) as DecodedRow[];
    const problems = await loadAll(join(FIXTURES, "lcb_lite_raw_sample.jsonl"));
    expect(problems.map((p) => p.id)).toEqual(decoded.map((d) => d.question_id));
    const toTests = (tests: RawTest[]) => tests.map((t) => ({ input: t.input, expected: t.output }));
    for (const [i, want] of decoded.entries()) {
      const got = problems[i] as Problem;
      expect(got.publicTests).toEqual(toTests(want.public_test_cases));
      expect(got.privateTests).toEqual(toTests(want.private_test_cases));
      expect(got.privateTests.length).toBeGreaterThan(0);
      const stdin = [...want.public_test_cases, ...want.private_test_cases].some(
        (t) => t.testtype === "stdin",
      );
      expect(got.kind).toBe(stdin ? "stdin" : "call");
      expect(got).toMatchObject({
        title: want.question_title,
        platform: want.platform,
        contestDate: want.contest_date,
        difficulty: want.difficulty,
        starterCode: want.starter_code,
      });
      expect(got.funcName).toBe(want.metadata.func_name);
      expect(got.content.length).toBeGreaterThan(50);
    }
    // Test inputs and outputs must come through byte for byte, trailing newlines included.
    expect(problems[0]?.privateTests[0]).toEqual({ input: "1\nabc\n", expected: "YES\n" });
  });
  it("reads the decoded sample (a JSON array, tests as plain arrays) to the same problems", async () => {
    const fromRaw = await loadAll(join(FIXTURES, "lcb_lite_raw_sample.jsonl"));
    const fromDecoded = await loadAll(join(FIXTURES, "lcb_lite_decoded_sample.json"));
    const withoutStatement = (p: Problem) => ({ ...p, content: "" });
    expect(fromDecoded).toEqual(fromRaw.map(withoutStatement));
  });
});

describe("problemFromRow", () => {
  const tests: RawTest[] = [
    { input: "[1, 2]\n3", output: "[0, 1]", testtype: "functional" },
    { input: "[]\n0", output: "[]", testtype: "functional" },
  ];
  const row = (privateTests: unknown, extra: Record<string, unknown> = {}) => ({
    question_id: "9",
    question_title: "two-sum",
    question_content: "Find two numbers.",
    platform: "leetcode",
    contest_date: "2024-01-01T00:00:00",
    difficulty: "easy",
    starter_code: "class Solution:\n    def twoSum(self, nums, target): ",
    metadata: '{"func_name": "twoSum"}',
    public_test_cases: JSON.stringify(tests.slice(0, 1)),
    private_test_cases: privateTests,
    ...extra,
  });
  const expectedPrivate = tests.map((t) => ({ input: t.input, expected: t.output }));
  const json = JSON.stringify(tests);

  it.each([
    ["a plain array", tests],
    ["a JSON string", json],
    ["pickled, SHORT_BINUNICODE in a frame (protocol 5)", blob(pickleString(json, "short"))],
    ["pickled, BINUNICODE in a frame", blob(pickleString(json, "unicode"))],
    [
      "pickled, BINUNICODE without a frame (CPython's layout for large strings)",
      blob(pickleString(json, "unicode", { framed: false })),
    ],
    ["pickled, BINUNICODE8", blob(pickleString(json, "unicode8"))],
  ])("reads private tests given as %s", (_, encoded) => {
    const problem = problemFromRow(row(encoded), "t.jsonl:1");
    expect(problem.privateTests).toEqual(expectedPrivate);
    expect(problem).toMatchObject({ id: "9", kind: "call", funcName: "twoSum", difficulty: "easy" });
  });

  it("reads a pickle made by CPython (protocol 5, non-ASCII text)", () => {
    const python =
      "eJxrYJ3qxgABPU7R1UqZeQWlJUpWCkoZh1fm5OQrPGpaE5OnpKOglF9aApX5MH9GA0ikJLW4pKSyIBUkVlySkpmnVBs7RQ8AEukbIA==";
    const problem = problemFromRow(row(python, { metadata: "{}" }), "t.jsonl:1");
    expect(problem.privateTests).toEqual([{ input: "héllo €\n", expected: "😀" }]);
    expect(problem.kind).toBe("stdin");
  });

  it("takes metadata as an object, and a missing private test list as none", () => {
    const problem = problemFromRow(
      row(undefined, { metadata: { func_name: "twoSum" }, reference_solution: "class Solution: pass" }),
      "t.jsonl:1",
    );
    expect(problem.privateTests).toEqual([]);
    expect(problem.funcName).toBe("twoSum");
    expect(problem.referenceSolution).toBe("class Solution: pass");
  });

  it("reads CodeContests rows (name, numeric difficulty, no platform or metadata)", async () => {
    const problems = await loadAll(join(FIXTURES, "codecontests_sample.jsonl"));
    expect(problems.map((p) => [p.id, p.title, p.platform, p.difficulty, p.kind])).toEqual([
      ["codecontests_test_0", "1575_A. Another Sorting Problem", "codeforces", "A", "stdin"],
      ["codecontests_test_113", "1613_A. Long Comparison", "codeforces", "A", "stdin"],
      ["codecontests_test_139", "1619_A. Square String?", "codeforces", "A", "stdin"],
      ["codecontests_test_51", "1594_A. Consecutive Sum Riddle", "codeforces", "A", "stdin"],
    ]);
  });

  it.each([
    ["not an object", () => [1, 2], "t.jsonl:7: a row must be a JSON object"],
    ["no id", () => row(json, { question_id: undefined }), "t.jsonl:7: question_id: is missing"],
    [
      "a statement that is not text",
      () => row(json, { question_content: 3 }),
      "t.jsonl:7: question_content: must be a string, not a number",
    ],
    ["a bad difficulty", () => row(json, { difficulty: "Easy" }), "t.jsonl:7: difficulty: must be one of"],
    [
      "metadata that is not JSON",
      () => row(json, { metadata: "{func" }),
      "t.jsonl:7: metadata: not valid JSON",
    ],
    [
      "a bad func_name",
      () => row(json, { metadata: { func_name: "a b" } }),
      "t.jsonl:7: metadata.func_name:",
    ],
    [
      "no public tests",
      () => row(json, { public_test_cases: undefined }),
      "t.jsonl:7: public_test_cases: is missing",
    ],
    [
      "tests that are not base64",
      () => row("!!not base64!!"),
      "t.jsonl:7: private_test_cases: not valid base64/zlib/pickle",
    ],
    [
      "base64 that is not zlib",
      () => row("aGVsbG8gd29ybGQ="),
      "t.jsonl:7: private_test_cases: not valid base64/zlib/pickle",
    ],
    [
      "a pickle of something other than a str",
      () => row(blob(Buffer.from("80049506000000000000005d944b01612e", "hex"))),
      "t.jsonl:7: private_test_cases: not valid base64/zlib/pickle (unsupported pickle opcode 0x5d",
    ],
    [
      "a truncated pickle",
      () => row(blob(pickleString(json, "unicode").subarray(0, 30))),
      "t.jsonl:7: private_test_cases: not valid base64/zlib/pickle (truncated pickle",
    ],
    [
      "a pickled string that is not JSON",
      () => row(blob(pickleString("[{oops", "short"))),
      "t.jsonl:7: private_test_cases: the pickled string is not valid JSON",
    ],
    ["a JSON list that is broken", () => row("[{"), "t.jsonl:7: private_test_cases: not valid JSON"],
    [
      "a test without output",
      () => row([{ input: "1", testtype: "stdin" }]),
      "t.jsonl:7: private_test_cases[0].output: is missing",
    ],
    [
      "a test of an unknown type",
      () => row([{ input: "1", output: "2", testtype: "batch" }]),
      't.jsonl:7: private_test_cases[0].testtype: must be "stdin" or "functional", not "batch"',
    ],
  ])("rejects %s, naming where and the field", (_, make, message) => {
    let error: unknown;
    try {
      problemFromRow(make(), "t.jsonl:7");
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(BadRowError);
    expect((error as Error).message.startsWith(message), (error as Error).message).toBe(true);
  });

  it("encodes test pickles byte for byte as CPython does", () => {
    // pickle.dumps("xxxxx", protocol=5)
    expect(pickleString("xxxxx", "short").toString("hex")).toBe("80059509000000000000008c057878787878942e");
  });

  it("unpickles only a single string", () => {
    expect(unpickleString(Buffer.from("80049506000000000000008c025b5d942e", "hex"))).toBe("[]");
    expect(() => unpickleString(Buffer.from("8004", "hex"))).toThrow(/truncated/);
    expect(() => unpickleString(Buffer.from("80048c0161948c0162942e", "hex"))).toThrow(
      /one pickled string, found 2/,
    );
    expect(() => unpickleString(Buffer.from("80048c0161942e00", "hex"))).toThrow(/after the pickle's end/);
  });
});

describe("readRows", () => {
  const rowLine = (id: string) => JSON.stringify({ question_id: id });

  it("streams JSONL with file:line positions, skipping blank lines and tolerating CRLF", async () => {
    const file = join(scratch, "rows.jsonl");
    writeFileSync(file, `${rowLine("a")}\r\n\n${rowLine("b")}\n${rowLine("c")}`);
    const rows: RowAt[] = [];
    for await (const r of readRows(file)) rows.push(r);
    expect(rows).toEqual([
      { row: { question_id: "a" }, where: `${file}:1` },
      { row: { question_id: "b" }, where: `${file}:3` },
      { row: { question_id: "c" }, where: `${file}:4` },
    ]);
  });

  it("reads a JSON array of rows, positions as file[index], and gzip by its magic bytes", async () => {
    const dir = scratch;
    const file = join(dir, "rows.json.gz");
    writeFileSync(file, gzipSync(`  \n[${rowLine("a")},\n ${rowLine("b")}]\n`));
    const rows: RowAt[] = [];
    for await (const r of readRows(file)) rows.push(r);
    expect(rows.map((r) => r.where)).toEqual([`${file}[0]`, `${file}[1]`]);
    const jsonl = join(dir, "rows.jsonl.gz");
    writeFileSync(jsonl, gzipSync(`${rowLine("a")}\n${"x".repeat(10)}\n`));
    const seen: string[] = [];
    await expect(async () => {
      for await (const r of readRows(jsonl)) seen.push(r.where);
    }).rejects.toThrow(`${jsonl}:2: not valid JSON`);
    expect(seen).toEqual([`${jsonl}:1`]);
  });

  it("reads a line longer than many stream chunks", async () => {
    const file = join(scratch, "long.jsonl");
    const long = "y".repeat(5 * 1024 * 1024);
    writeFileSync(file, `${JSON.stringify({ question_id: "a", big: long })}\n${rowLine("b")}\n`);
    const rows: { big?: string }[] = [];
    for await (const r of readRows(file)) rows.push(r.row as { big?: string });
    expect(rows[0]?.big?.length).toBe(long.length);
    expect(rows).toHaveLength(2);
  });

  it("decides JSONL or array by the first row only: a later array line is a bad row", async () => {
    const file = join(scratch, "rows.jsonl");
    writeFileSync(file, `${rowLine("a")}\n[1, 2]\n`);
    const rows: RowAt[] = [];
    for await (const r of readRows(file)) rows.push(r);
    expect(rows[1]).toEqual({ row: [1, 2], where: `${file}:2` });
    expect(() => problemFromRow(rows[1]?.row, `${file}:2`)).toThrow(`${file}:2: a row must be a JSON object`);
  });

  it("reports an unparsable line through onUnparsable and goes on", async () => {
    const file = join(scratch, "rows.jsonl");
    writeFileSync(file, `${rowLine("a")}\n{oops\n${rowLine("b")}\n`);
    const skipped: string[] = [];
    const rows: RowAt[] = [];
    for await (const r of readRows(file, { onUnparsable: (e) => skipped.push(e.where) })) rows.push(r);
    expect(rows).toHaveLength(2);
    expect(skipped).toEqual([`${file}:2`]);
  });

  it("names file:line and the field for a bad row in a file", async () => {
    const file = join(scratch, "data.jsonl");
    const good = readFileSync(join(FIXTURES, "lcb_lite_raw_sample.jsonl"), "utf8").split("\n")[0] as string;
    const bad = JSON.stringify({ ...JSON.parse(good), private_test_cases: "eJz=corrupt" });
    writeFileSync(file, `${good}\n${bad}\n`);
    await expect(loadAll(file)).rejects.toThrow(
      `${file}:2: private_test_cases: not valid base64/zlib/pickle`,
    );
  });
});

describe("the shared data files", () => {
  it("leetcode_dev100: 100 call problems with funcName and a reference solution", async () => {
    const problems = await loadAll(join(DATA, "leetcode", "leetcode_dev100.jsonl"));
    expect(problems).toHaveLength(100);
    expect(countBy(problems, (p) => p.difficulty)).toEqual({ easy: 21, medium: 49, hard: 30 });
    for (const p of problems) {
      expect(p.kind).toBe("call");
      expect(p.funcName).toMatch(/^[A-Za-z_]\w*$/);
      expect(p.referenceSolution).toContain("class Solution");
      expect(p.publicTests.length).toBeGreaterThanOrEqual(1);
      expect(p.privateTests.length).toBeGreaterThan(0);
    }
    expect(problems.reduce((n, p) => n + p.publicTests.length, 0)).toBe(254);
    expect(problems.reduce((n, p) => n + p.privateTests.length, 0)).toBe(10543);
  });

  it("codecontests: 165 stdin problems, 44 without private tests", async () => {
    const problems = await loadAll(join(DATA, "codecontests", "codecontests_test_165_public_private.jsonl"));
    expect(problems).toHaveLength(165);
    expect(problems.every((p) => p.kind === "stdin" && p.platform === "codeforces")).toBe(true);
    expect(problems.filter((p) => p.privateTests.length === 0)).toHaveLength(44);
  });

  it("lcb_release_v1_public_only: 400 problems by platform, no private tests", async () => {
    const problems = await loadAll(join(DATA, "livecodebench", "lcb_release_v1_public_only.jsonl"));
    expect(problems).toHaveLength(400);
    expect(countBy(problems, (p) => p.platform)).toEqual({ atcoder: 210, leetcode: 181, codeforces: 9 });
    expect(problems.every((p) => p.privateTests.length === 0 && p.publicTests.length > 0)).toBe(true);
    for (const p of problems) expect(p.kind).toBe(p.platform === "leetcode" ? "call" : "stdin");
    expect(problems.filter((p) => p.kind === "call").every((p) => p.funcName !== undefined)).toBe(true);
  });
});
