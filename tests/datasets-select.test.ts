import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it, vi } from "vitest";
import { formatInspectReport, inspectDataset } from "../datasets/inspect";
import { problemFromRow } from "../datasets/lcb-row";
import { describeSkipped, readProblems } from "../datasets/load-problems";
import { BadRowError } from "../datasets/problem";
import { DatasetError, DEMO_PROBLEMS_FILE, resolveDataset } from "../datasets/resolve-dataset";
import { type DatasetSelection, selectProblems, selectProblemsReport } from "../datasets/select-problems";
import { projectRoot } from "../runtime/paths";
import { tempDir } from "./helpers/processes";

const DATA = join(projectRoot, "..", "shared", "data");
const RAW = join(DATA, "fixtures", "lcb_lite_raw_sample.jsonl");
const RAW_ROWS = readFileSync(RAW, "utf8").trim().split("\n");
const scratch = tempDir("select");
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const all = (path: string, extra: Partial<DatasetSelection> = {}): DatasetSelection => ({
  path,
  offset: 0,
  ...extra,
});
const ids = async (dataset: DatasetSelection) => (await selectProblems(dataset)).map((p) => p.id);

/** The raw sample with row 2 (2812) changed by `field`, and (unless told) an unparsable line 4. */
function badFile(name: string, field: Record<string, unknown>, unparsable = true): string {
  const rows = RAW_ROWS.map((line) => JSON.parse(line) as Record<string, unknown>);
  rows[1] = { ...rows[1], ...field };
  const lines = rows.map((r) => JSON.stringify(r));
  if (unparsable) lines.splice(3, 0, "{not json");
  const file = join(scratch, name);
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

describe("selectProblems", () => {
  it("reads gzipped JSONL and gzipped JSON arrays like the plain files", async () => {
    const jsonl = join(scratch, "raw.jsonl.gz");
    writeFileSync(jsonl, gzipSync(readFileSync(RAW)));
    const array = join(scratch, "decoded.json.gz");
    writeFileSync(array, gzipSync(readFileSync(join(DATA, "fixtures", "lcb_lite_decoded_sample.json"))));
    const plain = await selectProblems(all(RAW));
    expect(await selectProblems(all(jsonl))).toEqual(plain);
    expect((await selectProblems(all(array))).map((p) => p.privateTests)).toEqual(
      plain.map((p) => p.privateTests),
    );
  });

  it("reads the CodeContests JSONL of ../shared/data, skipping and counting its rows without hidden tests", async () => {
    const file = join(DATA, "codecontests", "codecontests_test_165_public_private.jsonl");
    await expect(selectProblems(all(file))).rejects.toThrow(
      /codecontests_test_165_public_private\.jsonl:\d+: private_test_cases: problem "codecontests_test_\d+" has no hidden tests/,
    );
    const { problems, skipped } = await selectProblemsReport(all(file), { skipBad: true });
    expect(problems).toHaveLength(121);
    expect(skipped.count).toBe(44);
    expect(problems[0]).toMatchObject({
      id: "codecontests_test_1",
      title: "1575_B. Building an Amusement Park",
    });
  });

  it("filters by difficulty, platform and dates, then offset and limit", async () => {
    const leetcode = join(DATA, "leetcode", "leetcode_dev100.jsonl");
    expect(await ids(all(leetcode, { difficulty: ["hard"] }))).toHaveLength(30);
    expect(await ids(all(leetcode, { difficulty: ["easy", "hard"], limit: 5, offset: 50 }))).toHaveLength(1);
    const late = await selectProblems(all(leetcode, { from: "2025-01-01", difficulty: ["medium"] }));
    expect(late.length).toBeGreaterThan(0);
    expect(late.every((p) => p.contestDate >= "2025-01-01" && p.difficulty === "medium")).toBe(true);
    expect(await ids(all(RAW, { platform: ["atcoder", "codeforces"] }))).toEqual(["1873_A", "abc301_a"]);
    expect(await ids(all(RAW, { ids: ["2844"] }))).toEqual(["2844"]);
  });

  it("never decodes rows the filters exclude by their raw fields", async () => {
    const file = badFile("filtered.jsonl", { private_test_cases: "eJz=corrupt", difficulty: "hard" }, false);
    expect(await ids(all(file, { difficulty: ["easy"] }))).toEqual(["1873_A", "2844", "abc301_a"]);
    await expect(ids(all(file))).rejects.toThrow(
      `${file}:2: private_test_cases: not valid base64/zlib/pickle`,
    );
  });

  it("stops at the first bad row, naming file, line and field", async () => {
    const file = badFile("bad.jsonl", { difficulty: "Easy" });
    await expect(selectProblems(all(file))).rejects.toThrow(BadRowError);
    await expect(selectProblems(all(file))).rejects.toThrow(
      `${file}:2: difficulty: must be one of easy, medium, hard`,
    );
  });

  it("with skipBad goes on and reports how many rows it skipped and the first errors", async () => {
    const file = badFile("skip.jsonl", { public_test_cases: undefined });
    const { problems, skipped } = await selectProblemsReport(all(file), { skipBad: true });
    expect(problems.map((p) => p.id)).toEqual(["1873_A", "2844", "abc301_a"]);
    expect(skipped.count).toBe(2);
    expect(skipped.first[0]).toBe(`${file}:2: public_test_cases: is missing`);
    expect(skipped.first[1]).toMatch(new RegExp(`^${file}:4: not valid JSON`));
    expect(describeSkipped(skipped)).toMatch(/^skipped 2 bad rows: .*:2: public_test_cases: is missing; /);

    const told: unknown[] = [];
    expect(await selectProblems(all(file), { skipBad: true, onSkipped: (s) => told.push(s) })).toHaveLength(
      3,
    );
    expect(told).toEqual([skipped]);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      await selectProblems(all(file), { skipBad: true });
      expect(warn).toHaveBeenCalledWith(`sstar: ${file}: ${describeSkipped(skipped)}`);
    } finally {
      warn.mockRestore();
    }
  });

  it("keeps at most five errors of many skipped rows", async () => {
    const file = join(scratch, "many.jsonl");
    writeFileSync(file, `${Array.from({ length: 12 }, (_, i) => `{"question_id": "${i}"}`).join("\n")}\n`);
    const { problems, skipped } = await selectProblemsReport(all(file), { skipBad: true });
    expect(problems).toEqual([]);
    expect(skipped.count).toBe(12);
    expect(skipped.first).toHaveLength(5);
    expect(describeSkipped(skipped)).toMatch(/; …$/);
  });
});

describe("duplicate problem ids", () => {
  const file = join(scratch, "duplicate.jsonl");
  writeFileSync(file, `${RAW_ROWS[0]}\n${RAW_ROWS[1]}\n${RAW_ROWS[0]}\n`);
  const id = (problemFromRow(JSON.parse(RAW_ROWS[0] as string), "x") as { id: string }).id;

  it("are an error naming both rows", async () => {
    await expect(selectProblems(all(file))).rejects.toThrow(
      `${file}:3: question_id: duplicate problem id "${id}" (first at ${file}:1)`,
    );
  });

  it("with skipBad, the second row is skipped and counted", async () => {
    const { problems, skipped } = await selectProblemsReport(all(file), { skipBad: true });
    expect(problems.map((p) => p.id)).toHaveLength(2);
    expect(skipped.count).toBe(1);
    expect(skipped.first[0]).toContain("duplicate problem id");
  });
});

describe("resolveDataset", () => {
  it("resolves demo, files and folders (their data files, by name)", async () => {
    expect(await resolveDataset("demo")).toEqual([DEMO_PROBLEMS_FILE]);
    expect(await resolveDataset(RAW)).toEqual([RAW]);
    const folder = join(scratch, "shards");
    mkdirSync(folder);
    for (const name of ["b.jsonl.gz", "a.jsonl", "notes.txt", "c.parquet"])
      writeFileSync(join(folder, name), "");
    expect(await resolveDataset(folder)).toEqual(
      ["a.jsonl", "b.jsonl.gz", "c.parquet"].map((n) => join(folder, n)),
    );
  });

  it("says what a dataset may be when the name is nothing", async () => {
    await expect(resolveDataset(join(scratch, "absent.jsonl"))).rejects.toThrow(DatasetError);
    await expect(resolveDataset(join(scratch, "absent.jsonl"))).rejects.toThrow(
      /not a file or folder \(datasets are/,
    );
    await expect(resolveDataset("lcb:release_v0")).rejects.toThrow(
      /unknown LiveCodeBench release "release_v0"/,
    );
    const empty = join(scratch, "empty");
    mkdirSync(empty);
    await expect(resolveDataset(empty)).rejects.toThrow(
      `no dataset files (.jsonl, .json, .parquet) in ${empty}`,
    );
  });
});

describe("inspectDataset", () => {
  it("counts the fixture by platform, difficulty and test type", async () => {
    const report = await inspectDataset(RAW);
    expect(report).toEqual({
      dataset: RAW,
      files: [RAW],
      problems: 4,
      by_platform: { leetcode: 2, atcoder: 1, codeforces: 1 },
      by_difficulty: { easy: 4 },
      by_test_type: {
        stdin: expect.objectContaining({ problems: 2, without_private_tests: 0 }),
        functional: expect.objectContaining({ problems: 2, without_private_tests: 0 }),
      },
      date_range: { from: "2023-05-13", to: "2023-08-21" },
      bad_rows: 0,
      first_bad_rows: [],
    });
    let publicTests = 0;
    for await (const p of readProblems([RAW])) publicTests += p.publicTests.length;
    const { stdin, functional } = report.by_test_type;
    expect(stdin.public_tests + functional.public_tests).toBe(publicTests);
  });

  it("counts bad rows with skipBad, and throws the first without", async () => {
    const file = badFile("inspect.jsonl", { metadata: "{oops" });
    await expect(inspectDataset(file)).rejects.toThrow(`${file}:2: metadata: not valid JSON`);
    const report = await inspectDataset(file, { skipBad: true });
    expect(report.problems).toBe(3);
    expect(report.bad_rows).toBe(2);
    expect(report.first_bad_rows[0]).toMatch(`${file}:2: metadata: not valid JSON`);
    const text = formatInspectReport(report).split("\n");
    expect(text.slice(1, 7)).toEqual([
      "problems    3",
      "platform    atcoder 1, codeforces 1, leetcode 1",
      "difficulty  easy 3",
      "test type   stdin 2 problems (4 public, 7 private tests); functional 1 problem (2 public, 10 private tests)",
      "dates       2023-05-13 to 2023-08-21",
      "bad rows    2",
    ]);
    expect(text.slice(7)).toEqual(report.first_bad_rows.map((m) => `  ${m}`));
  });
});
