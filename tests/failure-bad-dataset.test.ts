import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkDataset } from "../datasets/check-dataset";
import type { RunSummary } from "../method/run-summary";
import { projectRoot } from "../runtime/paths";
import { STATE_FILE } from "../runtime/temporal-server";
import { tempDir } from "./helpers/processes";
import { jsonOutput, runSstar } from "./helpers/sstar-cli";

const demoRows = readFileSync(join(projectRoot, "demo", "demo-problems.jsonl"), "utf8")
  .trim()
  .split("\n");
const firstDemo = JSON.parse(demoRows[0] as string) as Record<string, unknown>;
const corrupt = '{"question_id": "x", "broken": ';
const noHidden = JSON.stringify({ ...firstDemo, question_id: "no-hidden", private_test_cases: [] });

function dataset(dir: string, name: string, rows: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, `${rows.join("\n")}\n`);
  return file;
}

// Bad rows are found before any server, worker or workflow starts: one line, exit 2, nothing spent.
describe("a bad dataset in sstar run", () => {
  it("is refused in one line naming the file and line of a corrupt row, before the server starts", async () => {
    const dir = tempDir("bad-dataset");
    const file = dataset(dir, "corrupt-row.jsonl", [...demoRows.slice(0, 3), corrupt]);
    const ran = await runSstar(["--data-dir", dir, "run", "demo", "--dataset", file, "-n", "2", "-r", "1"]);
    expect(ran.code).toBe(2);
    expect(ran.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(
        /^sstar: bad dataset row \(line 4\): .*corrupt-row\.jsonl:4: not valid JSON .*--skip-bad/,
      ),
    ]);
    expect(existsSync(join(dir, STATE_FILE))).toBe(false);
  });

  it("refuses a row without hidden tests, since grading it would pass any program", async () => {
    const dir = tempDir("bad-dataset");
    const file = dataset(dir, "no-hidden.jsonl", [demoRows[1] as string, noHidden]);
    const ran = await runSstar(["--data-dir", dir, "run", "demo", "--dataset", file, "-n", "2", "-r", "1"]);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(
      /no-hidden\.jsonl:2: private_test_cases: problem "no-hidden" has no hidden tests/,
    );
    expect(ran.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("with --skip-bad, runs the good rows and counts the skipped ones in the summary and its table", async () => {
    const dir = tempDir("bad-dataset");
    const file = dataset(dir, "mixed.jsonl", [
      demoRows[1] as string,
      corrupt,
      noHidden,
      demoRows[2] as string,
    ]);
    const args = ["--data-dir", dir, "run", "demo", "--dataset", file, "-n", "2", "-r", "1", "--skip-bad"];
    const ran = await runSstar([...args, "--json"]);
    expect(ran.code, ran.stderr.slice(-2000)).toBe(0);
    expect(ran.stderr).toMatch(/mixed\.jsonl: skipped 2 bad rows: .*mixed\.jsonl:2: not valid JSON/);
    const summary = jsonOutput<RunSummary>(ran);
    expect(summary.problems).toBe(2);
    expect(summary.errored).toBe(0);
    expect(summary.skipped_rows?.count).toBe(2);
    expect(summary.skipped_rows?.first[1]).toMatch(/mixed\.jsonl:3: private_test_cases: .*no hidden tests/);
    // The same command again shows the finished run, with its table naming the skipped rows.
    const again = await runSstar(args);
    expect(again.code, again.stderr.slice(-2000)).toBe(0);
    expect(again.stdout).toMatch(/2 bad dataset row\(s\) skipped/);
  }, 600_000);

  it("says which problems have no public tests and how the method treats them", async () => {
    const dir = tempDir("bad-dataset");
    const noPublic = JSON.stringify({ ...firstDemo, question_id: "no-public", public_test_cases: [] });
    const file = dataset(dir, "no-public.jsonl", [demoRows[1] as string, noPublic]);
    const warnings: string[] = [];
    const checked = await checkDataset({ path: file, offset: 0 }, join(dir, "cache"), (l) =>
      warnings.push(l),
    );
    expect(checked.problems).toBe(2);
    expect(warnings).toEqual([
      expect.stringMatching(/1 problem\(s\) have no public tests \(no-public\).*every debug round runs/),
    ]);
  });
});
