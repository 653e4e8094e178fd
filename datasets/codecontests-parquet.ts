import { basename } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import {
  asyncBufferFromFile,
  type Compressors,
  parquetMetadataAsync,
  parquetReadObjects,
  parquetSchema,
} from "hyparquet";
import { BadRowError } from "./problem";
import type { ReadRowsOptions, RowAt } from "./row-source";

/**
 * `deepmind/code_contests` as published: parquet shards (`test-00000-of-00001.parquet`,
 * `train-00003-of-00039.parquet`, …) with nested columns. Each row becomes a row of the LiveCodeBench
 * shape that problemFromRow reads, the way the S* reference maps CodeContests: the statement is
 * `description`, every test is stdin, the public tests are `public_tests` and the hidden tests are
 * `private_tests` + `generated_tests`, each input and output stripped.
 */

/** The columns read (the solutions columns, most of a shard's bytes, are never read). */
const COLUMNS = [
  "name",
  "description",
  "public_tests",
  "private_tests",
  "generated_tests",
  "source",
  "difficulty",
  "cf_contest_id",
  "cf_index",
  "time_limit",
  "memory_limit_bytes",
] as const;
const REQUIRED = ["description", "public_tests", "difficulty"];

/** code_contests' `Source` enum, by value, as platform names. */
const SOURCES = ["unknown", "codechef", "codeforces", "hackerearth", "codejam", "atcoder", "aizu"];

/** hyparquet reads snappy itself; gzip and brotli come from node:zlib. ZSTD and LZ4 are not supported. */
const COMPRESSORS: Compressors = {
  GZIP: (input) => gunzipSync(input),
  BROTLI: (input) => brotliDecompressSync(input),
};

/**
 * The id prefix of a shard's rows: `codecontests_<split>_` for a split in one shard (so the test split's
 * ids are those of ../shared/data's JSONL, `codecontests_test_<row>`), `codecontests_<split>_<shard>_`
 * for a split in several, `codecontests_<file name>_` for any other file name.
 */
export function codeContestsIdPrefix(file: string): string {
  const name = basename(file);
  const shard = /^([A-Za-z_]+)-(\d+)-of-(\d+)/.exec(name);
  if (shard) {
    const [, split, index, count] = shard;
    return Number(count) > 1 ? `codecontests_${split}_${Number(index)}_` : `codecontests_${split}_`;
  }
  return `codecontests_${name.replace(/\.parquet$/i, "").replace(/[^\w-]/g, "_")}_`;
}

/**
 * The rows of a CodeContests parquet shard, one row group at a time, as LiveCodeBench-shaped rows at
 * `file[row]`. A row whose columns have the wrong shape is unparsable: reported through
 * `options.onUnparsable` and skipped, or thrown without it.
 */
export async function* readCodeContestsParquet(
  file: string,
  options: ReadRowsOptions = {},
): AsyncGenerator<RowAt> {
  let buffer: Awaited<ReturnType<typeof asyncBufferFromFile>>;
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    buffer = await asyncBufferFromFile(file);
    metadata = await parquetMetadataAsync(buffer);
  } catch (err) {
    throw new Error(`${file}: not a readable parquet file (${(err as Error).message})`);
  }
  const present = new Set(parquetSchema(metadata).children.map((c) => c.element.name));
  const missing = REQUIRED.filter((c) => !present.has(c));
  if (missing.length > 0) {
    throw new Error(
      `${file}: not a CodeContests parquet file: no column ${missing.join(", ")} ` +
        `(it has ${[...present].join(", ")})`,
    );
  }
  const columns = COLUMNS.filter((c) => present.has(c));
  const prefix = codeContestsIdPrefix(file);
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    let records: Record<string, unknown>[];
    try {
      records = await parquetReadObjects({
        file: buffer,
        metadata,
        columns,
        rowStart,
        rowEnd,
        compressors: COMPRESSORS,
      });
    } catch (err) {
      throw new Error(`${file}: rows ${rowStart}–${rowEnd - 1}: ${(err as Error).message}`);
    }
    for (const [offset, record] of records.entries()) {
      const index = rowStart + offset;
      const where = `${file}[${index}]`;
      try {
        yield { row: rowFromCodeContests(record, `${prefix}${index}`, where), where };
      } catch (err) {
        if (!(err instanceof BadRowError) || !options.onUnparsable) throw err;
        options.onUnparsable(err);
      }
    }
    rowStart = rowEnd;
  }
}

interface StdinTest {
  input: string;
  output: string;
  testtype: "stdin";
}

/** One CodeContests record as a LiveCodeBench-shaped row; throws a BadRowError naming the column. */
export function rowFromCodeContests(
  record: Record<string, unknown>,
  id: string,
  where: string,
): Record<string, unknown> {
  const bad = (field: string, detail: string) => new BadRowError(where, field, detail);
  const text = (field: string): string | undefined => {
    const value = record[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") throw bad(field, `must be a string, not ${typeName(value)}`);
    return value;
  };
  const integer = (field: string): number | undefined => {
    const value = record[field];
    if (value === undefined || value === null) return undefined;
    const number = typeof value === "bigint" ? Number(value) : value;
    if (typeof number !== "number" || !Number.isInteger(number)) {
      throw bad(field, `must be an integer, not ${typeName(value)}`);
    }
    return number;
  };
  const tests = (field: string, strip: boolean): StdinTest[] => {
    const value = record[field];
    if (value === undefined || value === null) return [];
    if (typeof value !== "object" || Array.isArray(value)) {
      throw bad(field, `must be a struct {input, output}, not ${typeName(value)}`);
    }
    const { input, output } = value as { input?: unknown; output?: unknown };
    const list = (name: string, items: unknown): string[] => {
      if (items === undefined || items === null) return [];
      if (!Array.isArray(items)) throw bad(`${field}.${name}`, `must be a list, not ${typeName(items)}`);
      for (const [i, item] of items.entries()) {
        if (typeof item !== "string") {
          throw bad(`${field}.${name}[${i}]`, `must be a string, not ${typeName(item)}`);
        }
      }
      return items as string[];
    };
    const inputs = list("input", input);
    const outputs = list("output", output);
    if (inputs.length !== outputs.length) {
      throw bad(field, `has ${inputs.length} inputs but ${outputs.length} outputs`);
    }
    const clean = (s: string) => (strip ? s.trim() : s);
    return inputs.map((inp, i) => ({
      input: clean(inp),
      output: clean(outputs[i] as string),
      testtype: "stdin",
    }));
  };

  const difficulty = integer("difficulty");
  if (difficulty === undefined) throw bad("difficulty", "is missing");
  const source = integer("source");
  const row: Record<string, unknown> = {
    question_id: id,
    question_title: text("name") ?? id,
    question_content: text("description") ?? "",
    platform: source === undefined ? "codeforces" : (SOURCES[source] ?? `source_${source}`),
    difficulty,
    public_test_cases: tests("public_tests", false),
    private_test_cases: [...tests("private_tests", true), ...tests("generated_tests", true)],
  };
  const contest = integer("cf_contest_id");
  const index = text("cf_index");
  if (contest && index) row.contest_id = String(contest);
  const limit = record.time_limit as { seconds?: unknown; nanos?: unknown } | null | undefined;
  if (limit && typeof limit === "object") {
    const seconds = Number(limit.seconds ?? 0) + Number(limit.nanos ?? 0) / 1e9;
    if (Number.isFinite(seconds) && seconds > 0) row.time_limit_seconds = seconds;
  }
  const memory = integer("memory_limit_bytes");
  if (memory) row.memory_limit_bytes = memory;
  return row;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "a struct" : `a ${typeof value}`;
}
