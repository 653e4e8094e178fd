import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { pipeline, type Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { BadRowError } from "./problem";
import type { ReadRowsOptions, RowAt } from "./row-source";

export type { ReadRowsOptions, RowAt } from "./row-source";

const GZIP_MAGIC = [0x1f, 0x8b];
const PARQUET_MAGIC = "PAR1";

/**
 * The rows of a JSONL file or of a JSON array of rows (told apart by the first non-space character),
 * gzipped or not, or of a CodeContests parquet shard (told by its magic bytes; its rows come in the
 * LiveCodeBench shape, see codecontests-parquet.ts). JSONL is streamed line by line and parquet one row
 * group at a time, so release shards of a gigabyte never sit in memory whole; a JSON array has to be
 * parsed whole.
 */
export async function* readRows(file: string, options: ReadRowsOptions = {}): AsyncGenerator<RowAt> {
  const head = await fileHead(file);
  if (head.toString("latin1") === PARQUET_MAGIC) {
    // Loaded only when needed: most callers never read parquet.
    const { readCodeContestsParquet } = await import("./codecontests-parquet");
    yield* readCodeContestsParquet(file, options);
    return;
  }
  const text = openText(file, head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]);
  const lines = splitLines(text);
  try {
    let lineNumber = 0;
    let first = true;
    for await (const rawLine of lines) {
      lineNumber++;
      const line = lineNumber === 1 ? rawLine.replace(/^\uFEFF/, "") : rawLine;
      if (!/\S/.test(line)) continue;
      if (first && line.trimStart().startsWith("[")) {
        yield* arrayRows(file, [line, ...(await rest(lines))].join("\n"));
        return;
      }
      first = false;
      const where = `${file}:${lineNumber}`;
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch (err) {
        const error = new BadRowError(where, undefined, `not valid JSON (${(err as Error).message})`);
        if (!options.onUnparsable) throw error;
        options.onUnparsable(error);
        continue;
      }
      yield { row, where };
    }
  } catch (err) {
    if (err instanceof BadRowError) throw err;
    throw new Error(`${file}: ${(err as Error).message}`);
  } finally {
    text.destroy();
  }
}

function* arrayRows(file: string, json: string): Generator<RowAt> {
  let rows: unknown;
  try {
    rows = JSON.parse(json);
  } catch (err) {
    throw new BadRowError(file, undefined, `not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(rows)) throw new BadRowError(file, undefined, "not a JSON array of rows");
  for (const [index, row] of rows.entries()) yield { row, where: `${file}[${index}]` };
}

/** The file's first 4 bytes (fewer for a shorter file). */
async function fileHead(file: string): Promise<Buffer> {
  const handle = await open(file, "r");
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function openText(file: string, gzipped: boolean): Readable {
  const raw = createReadStream(file, { highWaterMark: 1024 * 1024 });
  if (!gzipped) return raw.setEncoding("utf8");
  // pipeline, unlike pipe, closes the file too when the reader stops early or the gzip is corrupt.
  return pipeline(raw, createGunzip(), () => {}).setEncoding("utf8");
}

/** Lines without their `\n` (or `\r\n`); a long line is joined once, not re-copied for every chunk. */
async function* splitLines(text: AsyncIterable<string>): AsyncGenerator<string> {
  let parts: string[] = [];
  for await (const chunk of text) {
    let start = 0;
    for (let end = chunk.indexOf("\n"); end !== -1; end = chunk.indexOf("\n", start)) {
      parts.push(chunk.slice(start, end));
      yield parts.join("").replace(/\r$/, "");
      parts = [];
      start = end + 1;
    }
    if (start < chunk.length) parts.push(chunk.slice(start));
  }
  if (parts.length > 0) yield parts.join("").replace(/\r$/, "");
}

async function rest(lines: AsyncIterable<string>): Promise<string[]> {
  const all: string[] = [];
  for await (const line of lines) all.push(line);
  return all;
}
