import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import type { InspectReport } from "../datasets/inspect";
import { projectRoot } from "../runtime/paths";
import { tempDir } from "./helpers/processes";
import { type CliResult, jsonOutput, runSstar } from "./helpers/sstar-cli";

const DATA = join(projectRoot, "..", "shared", "data");
const scratch = tempDir("inspect");
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** `sstar --data-dir <scratch> …` as a separate process (several run side by side). */
const sstar = (args: string[]) => runSstar(["--data-dir", join(scratch, "data"), ...args], {}, 60_000);

const json = (ran: CliResult): InspectReport => {
  expect(ran.code, ran.stderr).toBe(0);
  return jsonOutput<InspectReport>(ran);
};

describe("sstar data inspect", () => {
  it("counts the full shared files as their README says", async () => {
    // The LiveCodeBench file goes through gzip, to show .gz works end to end.
    const lcbGz = join(scratch, "lcb_release_v1_public_only.jsonl.gz");
    writeFileSync(
      lcbGz,
      gzipSync(readFileSync(join(DATA, "livecodebench", "lcb_release_v1_public_only.jsonl"))),
    );
    const [leetcode, codecontests, lcb] = await Promise.all([
      sstar(["data", "inspect", "--json", join(DATA, "leetcode", "leetcode_dev100.jsonl")]),
      sstar([
        "data",
        "inspect",
        "--json",
        "--skip-bad",
        join(DATA, "codecontests", "codecontests_test_165_public_private.jsonl"),
      ]),
      sstar(["data", "inspect", "--json", "--skip-bad", lcbGz]),
    ]);

    const l = json(leetcode);
    expect(l).toMatchObject({
      problems: 100,
      by_platform: { leetcode: 100 },
      by_difficulty: { easy: 21, medium: 49, hard: 30 },
      by_test_type: {
        functional: { problems: 100, public_tests: 254, private_tests: 10543, without_private_tests: 0 },
        stdin: { problems: 0 },
      },
      bad_rows: 0,
    });
    // Aug 2024 – Mar 2025
    expect(l.date_range?.from).toMatch(/^2024-08-/);
    expect(l.date_range?.to).toMatch(/^2025-03-/);

    // The 44 problems without private tests are bad rows: grading them would pass any program.
    const c = json(codecontests);
    expect(c).toMatchObject({
      problems: 121,
      by_platform: { codeforces: 121 },
      by_test_type: { stdin: { problems: 121, without_private_tests: 44 }, functional: { problems: 0 } },
      date_range: null,
      bad_rows: 44,
    });
    expect(c.first_bad_rows[0]).toMatch(
      /private_test_cases: problem "codecontests_test_\d+" has no hidden tests/,
    );
    // private 9.4 per problem on average over all 165
    expect(c.by_test_type.stdin.private_tests / 165).toBeCloseTo(9.4, 1);

    const v1 = json(lcb);
    expect(v1).toMatchObject({
      problems: 0,
      by_test_type: {
        stdin: { problems: 0, private_tests: 0, without_private_tests: 219 },
        functional: { problems: 0, private_tests: 0, without_private_tests: 181 },
      },
      bad_rows: 400,
    });
    expect(Object.keys(v1)).toEqual(
      expect.arrayContaining([
        "problems",
        "by_platform",
        "by_difficulty",
        "by_test_type",
        "bad_rows",
        "date_range",
      ]),
    );
  });

  it("exits 2 on the first bad row with its one-line error; 0 with --skip-bad, counting them", async () => {
    const rows = readFileSync(join(DATA, "fixtures", "lcb_lite_raw_sample.jsonl"), "utf8")
      .trim()
      .split("\n");
    const bad = JSON.stringify({ ...JSON.parse(rows[2] as string), difficulty: 99 });
    const file = join(scratch, "bad.jsonl");
    writeFileSync(file, `${rows[0]}\n${bad}\n{oops\n${rows[1]}\n`);
    const [strict, skipping] = await Promise.all([
      sstar(["data", "inspect", "--json", file]),
      sstar(["data", "inspect", "--json", "--skip-bad", file]),
    ]);
    expect(strict.code).toBe(2);
    expect(strict.stdout).toBe("");
    expect(strict.stderr.trim().split("\n")).toEqual([
      `sstar data inspect: ${file}:2: difficulty: 99 is not a CodeContests difficulty`,
    ]);

    const report = json(skipping);
    expect(report).toMatchObject({ problems: 2, bad_rows: 2 });
    expect(report.first_bad_rows).toEqual([
      `${file}:2: difficulty: 99 is not a CodeContests difficulty`,
      expect.stringMatching(`^${file}:3: not valid JSON`),
    ]);
  });

  it("rejects a row with no hidden tests (exit 2, naming it): a selector never gets a vacuous pass", async () => {
    const row = JSON.parse(
      readFileSync(join(DATA, "leetcode", "leetcode_dev100.jsonl"), "utf8").split("\n")[0] as string,
    );
    const file = join(scratch, "no-hidden.jsonl");
    writeFileSync(file, `${JSON.stringify({ ...row, private_test_cases: [] })}\n`);
    const ran = await sstar(["data", "inspect", file]);
    expect(ran.code).toBe(2);
    expect(ran.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(
        `^sstar data inspect: ${file}:1: private_test_cases: problem "${row.question_id}" has no hidden tests`,
      ),
    ]);
  });
});
