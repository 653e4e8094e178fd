import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, describe, expect, it } from "vitest";
import { codeContestsIdPrefix } from "../datasets/codecontests-parquet";
import { inspectDataset } from "../datasets/inspect";
import { problemFromRow } from "../datasets/lcb-row";
import { BadRowError, type Problem } from "../datasets/problem";
import { readRows } from "../datasets/read-rows";
import { selectProblems, selectProblemsReport } from "../datasets/select-problems";
import { tempDir } from "./helpers/processes";

const scratch = tempDir("parquet");
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * A shard laid out as `deepmind/code_contests` publishes them (written by pyarrow through `datasets`):
 * tests are `struct<input: list<string>, output: list<string>>` with 3-level LIST groups, numbers INT64,
 * `time_limit` a struct, plus columns the loader must not need (solutions, cf_tags, …).
 */
type Tests = { input: string[]; output: string[] } | null;
interface Record {
  name: string;
  description: string;
  public_tests: Tests;
  private_tests: Tests;
  generated_tests: Tests;
  source: bigint;
  difficulty: bigint;
  cf_contest_id: bigint;
  cf_index: string;
  time_limit: { seconds: bigint; nanos: bigint } | null;
  memory_limit_bytes: bigint;
}

const stringList = (name: string, item = "element") => [
  { name, repetition_type: "OPTIONAL" as const, converted_type: "LIST" as const, num_children: 1 },
  { name: "list", repetition_type: "REPEATED" as const, num_children: 1 },
  {
    name: item,
    repetition_type: "OPTIONAL" as const,
    type: "BYTE_ARRAY" as const,
    converted_type: "UTF8" as const,
  },
];
const testsStruct = (name: string) => [
  { name, repetition_type: "OPTIONAL" as const, num_children: 2 },
  ...stringList("input"),
  ...stringList("output"),
];
const int64 = (name: string) => ({ name, repetition_type: "OPTIONAL" as const, type: "INT64" as const });
const string = (name: string) => ({
  name,
  repetition_type: "OPTIONAL" as const,
  type: "BYTE_ARRAY" as const,
  converted_type: "UTF8" as const,
});

function writeShard(
  file: string,
  records: Record[],
  options: { gzip?: boolean; rowGroupSize?: number } = {},
) {
  const column = (name: keyof Record) => ({ name, data: records.map((r) => r[name]) });
  const buffer = parquetWriteBuffer({
    columnData: [
      column("name"),
      column("description"),
      column("public_tests"),
      column("private_tests"),
      column("generated_tests"),
      column("source"),
      column("difficulty"),
      {
        name: "solutions",
        data: records.map(() => ({ language: [3n], solution: ["print(input())"] })),
      },
      column("cf_contest_id"),
      column("cf_index"),
      { name: "cf_tags", data: records.map(() => ["math", "greedy"]) },
      column("time_limit"),
      column("memory_limit_bytes"),
    ],
    schema: [
      { name: "schema", num_children: 13 },
      string("name"),
      string("description"),
      ...testsStruct("public_tests"),
      ...testsStruct("private_tests"),
      ...testsStruct("generated_tests"),
      int64("source"),
      int64("difficulty"),
      { name: "solutions", repetition_type: "OPTIONAL", num_children: 2 },
      { name: "language", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
      { name: "list", repetition_type: "REPEATED", num_children: 1 },
      { name: "item", repetition_type: "OPTIONAL", type: "INT64" },
      ...stringList("solution", "item"),
      int64("cf_contest_id"),
      string("cf_index"),
      ...stringList("cf_tags", "item"),
      { name: "time_limit", repetition_type: "OPTIONAL", num_children: 2 },
      int64("seconds"),
      int64("nanos"),
      int64("memory_limit_bytes"),
    ],
    rowGroupSize: options.rowGroupSize ?? 2,
    ...(options.gzip
      ? { codec: "GZIP" as const, compressors: { GZIP: (bytes: Uint8Array) => gzipSync(bytes) } }
      : {}),
  });
  writeFileSync(file, Buffer.from(buffer));
}

const record = (i: number, extra: Partial<Record> = {}): Record => ({
  name: `${1500 + i}_A. Problem ${i}`,
  description: `Statement ${i}.\n\nInput\n\nOne number.`,
  public_tests: { input: [`${i}\n`], output: [`${i * 2}\n`] },
  private_tests: {
    input: [`  ${i + 1}\n`, `${i + 2}\n`],
    output: [`${(i + 1) * 2}\n\n`, `${(i + 2) * 2}\n`],
  },
  generated_tests: { input: [`${i + 3}\n`], output: [`${(i + 3) * 2}\n`] },
  source: 2n,
  difficulty: BigInt(7 + (i % 3)),
  cf_contest_id: BigInt(1500 + i),
  cf_index: "A",
  time_limit: { seconds: 2n, nanos: 500_000_000n },
  memory_limit_bytes: 256_000_000n,
  ...extra,
});

async function problemsOf(file: string): Promise<Problem[]> {
  const problems: Problem[] = [];
  for await (const { row, where } of readRows(file)) problems.push(problemFromRow(row, where));
  return problems;
}

describe("CodeContests parquet shards", () => {
  const dir = join(scratch, "code_contests");
  mkdirSync(dir);
  const testShard = join(dir, "test-00000-of-00001.parquet");
  writeShard(
    testShard,
    [0, 1, 2, 3, 4].map((i) => record(i)),
  );

  it("reads nested test structs into stdin problems: public as given, private + generated stripped", async () => {
    const problems = await problemsOf(testShard);
    expect(problems.map((p) => p.id)).toEqual([0, 1, 2, 3, 4].map((i) => `codecontests_test_${i}`));
    expect(problems[1]).toEqual({
      id: "codecontests_test_1",
      title: "1501_A. Problem 1",
      content: "Statement 1.\n\nInput\n\nOne number.",
      platform: "codeforces",
      contestDate: "",
      difficulty: "B",
      starterCode: "",
      kind: "stdin",
      publicTests: [{ input: "1\n", expected: "2\n" }],
      privateTests: [
        { input: "2", expected: "4" },
        { input: "3", expected: "6" },
        { input: "4", expected: "8" },
      ],
    });
    expect(problems.map((p) => p.difficulty)).toEqual(["A", "B", "C", "A", "B"]);
  });

  it("reads row by row group and keeps the positions file[row]", async () => {
    const wheres: string[] = [];
    const rows: { [key: string]: unknown }[] = [];
    for await (const { row, where } of readRows(testShard)) {
      wheres.push(where);
      rows.push(row as { [key: string]: unknown });
    }
    expect(wheres).toEqual([0, 1, 2, 3, 4].map((i) => `${testShard}[${i}]`));
    expect(rows[0]).toMatchObject({
      time_limit_seconds: 2.5,
      memory_limit_bytes: 256_000_000,
      contest_id: "1500",
    });
  });

  it("takes the platform from `source`, no tests as none, and gzip-compressed pages", async () => {
    const file = join(scratch, "other.parquet");
    writeShard(
      file,
      [
        record(0, { source: 5n, private_tests: null, generated_tests: { input: [], output: [] } }),
        record(1, { source: 1n, time_limit: null }),
      ],
      { gzip: true },
    );
    const problems = await problemsOf(file);
    expect(problems.map((p) => [p.id, p.platform, p.privateTests.length])).toEqual([
      ["codecontests_other_0", "atcoder", 0],
      ["codecontests_other_1", "codechef", 3],
    ]);
  });

  it("numbers the rows of a split in several shards by shard", () => {
    expect(codeContestsIdPrefix("/x/train-00003-of-00039.parquet")).toBe("codecontests_train_3_");
    expect(codeContestsIdPrefix("/x/test-00000-of-00001-9c49eeff30aacaa8.parquet")).toBe(
      "codecontests_test_",
    );
    expect(codeContestsIdPrefix("/x/valid.parquet")).toBe("codecontests_valid_");
  });

  it("names the file, row and column of a bad row; --skip-bad goes on and reports it", async () => {
    const file = join(scratch, "bad-00000-of-00001.parquet");
    writeShard(file, [
      record(0),
      record(1, { private_tests: { input: ["1", "2"], output: ["2"] } }),
      record(2),
      record(3, { difficulty: 99n }),
    ]);
    await expect(problemsOf(file)).rejects.toThrow(`${file}[1]: private_tests: has 2 inputs but 1 outputs`);
    const all = { path: file, offset: 0 };
    await expect(selectProblems(all)).rejects.toThrow(BadRowError);
    const { problems, skipped } = await selectProblemsReport(all, { skipBad: true });
    expect(problems.map((p) => p.id)).toEqual(["codecontests_bad_0", "codecontests_bad_2"]);
    expect(skipped).toEqual({
      count: 2,
      first: [
        `${file}[1]: private_tests: has 2 inputs but 1 outputs`,
        `${file}[3]: difficulty: 99 is not a CodeContests difficulty`,
      ],
    });
  });

  it("refuses a parquet file that is not CodeContests, naming its columns", async () => {
    const file = join(scratch, "numbers.parquet");
    writeFileSync(file, Buffer.from(parquetWriteBuffer({ columnData: [{ name: "x", data: [1, 2] }] })));
    await expect(problemsOf(file)).rejects.toThrow(
      `${file}: not a CodeContests parquet file: no column description, public_tests, difficulty (it has x)`,
    );
  });

  it("selects and inspects a folder of shards", async () => {
    const shards = join(scratch, "train");
    mkdirSync(shards);
    writeShard(join(shards, "train-00000-of-00002.parquet"), [record(0), record(1)]);
    writeShard(join(shards, "train-00001-of-00002.parquet"), [record(2), record(3), record(4)]);
    const problems = await selectProblems({ path: shards, offset: 1, limit: 3 });
    expect(problems.map((p) => p.id)).toEqual([
      "codecontests_train_0_1",
      "codecontests_train_1_0",
      "codecontests_train_1_1",
    ]);
    const report = await inspectDataset(shards);
    expect(report).toMatchObject({
      problems: 5,
      by_platform: { codeforces: 5 },
      by_difficulty: { A: 2, B: 2, C: 1 },
      by_test_type: {
        stdin: { problems: 5, public_tests: 5, private_tests: 15, without_private_tests: 0 },
        functional: { problems: 0 },
      },
      date_range: null,
      bad_rows: 0,
    });
  });
});
