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
        join(DATA, "codecontests", "codecontests_test_165_public_private.jsonl"),
      ]),
      sstar(["data", "inspect", "--json", lcbGz]),
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

    const c = json(codecontests);
    expect(c).toMatchObject({
      problems: 165,
      by_platform: { codeforces: 165 },
      by_test_type: { stdin: { problems: 165, without_private_tests: 44 }, functional: { problems: 0 } },
      date_range: null,
      bad_rows: 0,
    });
    // public 1.7 and private 9.4 per problem on average
    expect(c.by_test_type.stdin.public_tests / 165).toBeCloseTo(1.7, 1);
    expect(c.by_test_type.stdin.private_tests / 165).toBeCloseTo(9.4, 1);

    const v1 = json(lcb);
    expect(v1).toMatchObject({
      problems: 400,
      by_platform: { atcoder: 210, leetcode: 181, codeforces: 9 },
      by_test_type: {
        stdin: { problems: 219, private_tests: 0, without_private_tests: 219 },
        functional: { problems: 181, private_tests: 0, without_private_tests: 181 },
      },
      bad_rows: 0,
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
    expect(v1.date_range?.from).toMatch(/^2023-05-/);
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
});
