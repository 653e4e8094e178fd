import { readProblems, SKIPPED_SHOWN, skipCollector } from "./load-problems";
import { type BadRowError, NoHiddenTestsError } from "./problem";
import { type ResolveOptions, resolveDataset } from "./resolve-dataset";

/** Counts over one test type's problems (LiveCodeBench's names: `stdin`, `functional` = call-based). */
export interface TestTypeCounts {
  problems: number;
  public_tests: number;
  private_tests: number;
  /**
   * Rows of this type left out for having no hidden test (grading them would pass any program); they
   * are bad rows, so they count in `bad_rows` too and only --skip-bad gets past them.
   */
  without_private_tests: number;
}

/** What `sstar data inspect --json` prints. */
export interface InspectReport {
  dataset: string;
  /** The local files read (downloaded ones in the cache). */
  files: string[];
  problems: number;
  by_platform: Record<string, number>;
  by_difficulty: Record<string, number>;
  by_test_type: { stdin: TestTypeCounts; functional: TestTypeCounts };
  /** First and last contest day (YYYY-MM-DD) among dated problems; null when none is dated. */
  date_range: { from: string; to: string } | null;
  bad_rows: number;
  /** The first few bad rows' errors (`file:line: field: detail`). */
  first_bad_rows: string[];
}

export interface InspectOptions extends ResolveOptions {
  /** Count bad rows and go on; without it, the first bad row's BadRowError is thrown. */
  skipBad?: boolean;
}

const DIFFICULTY_ORDER = ["easy", "medium", "hard"];

/** Reads the whole dataset once, streaming, keeping only counts. */
export async function inspectDataset(path: string, options: InspectOptions = {}): Promise<InspectReport> {
  const files = await resolveDataset(path, options);
  const { skipped, onBadRow: collect } = skipCollector();
  const byPlatform: Record<string, number> = {};
  const byDifficulty: Record<string, number> = {};
  const empty = (): TestTypeCounts => ({
    problems: 0,
    public_tests: 0,
    private_tests: 0,
    without_private_tests: 0,
  });
  const byTestType = { stdin: empty(), functional: empty() };
  let count = 0;
  let from: string | undefined;
  let to: string | undefined;
  const onBadRow = (error: BadRowError) => {
    collect(error);
    if (error instanceof NoHiddenTestsError)
      byTestType[error.problem.kind === "stdin" ? "stdin" : "functional"].without_private_tests++;
  };
  for await (const problem of readProblems(files, { skipBad: options.skipBad, onBadRow })) {
    count++;
    byPlatform[problem.platform] = (byPlatform[problem.platform] ?? 0) + 1;
    byDifficulty[problem.difficulty] = (byDifficulty[problem.difficulty] ?? 0) + 1;
    const type = byTestType[problem.kind === "stdin" ? "stdin" : "functional"];
    type.problems++;
    type.public_tests += problem.publicTests.length;
    type.private_tests += problem.privateTests.length;
    const day = problem.contestDate.slice(0, 10);
    if (day !== "") {
      if (from === undefined || day < from) from = day;
      if (to === undefined || day > to) to = day;
    }
  }
  return {
    dataset: path,
    files,
    problems: count,
    by_platform: sortedCounts(byPlatform, (a, b) => b[1] - a[1] || a[0].localeCompare(b[0])),
    by_difficulty: sortedCounts(byDifficulty, byDifficultyOrder),
    by_test_type: byTestType,
    date_range: from !== undefined && to !== undefined ? { from, to } : null,
    bad_rows: skipped.count,
    first_bad_rows: skipped.first.slice(0, SKIPPED_SHOWN),
  };
}

function sortedCounts(
  counts: Record<string, number>,
  order: (a: [string, number], b: [string, number]) => number,
): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(order));
}

/** easy, medium, hard first; then CodeContests' names, single letters (A, B, …) before words. */
function byDifficultyOrder(a: [string, number], b: [string, number]): number {
  const rank = (name: string) => {
    const known = DIFFICULTY_ORDER.indexOf(name);
    return known >= 0 ? known : name.length === 1 ? 10 : 20;
  };
  return rank(a[0]) - rank(b[0]) || a[0].localeCompare(b[0]);
}

/** The report as a few aligned lines for people. */
export function formatInspectReport(report: InspectReport): string {
  const list = (counts: Record<string, number>) =>
    Object.keys(counts).length === 0
      ? "-"
      : Object.entries(counts)
          .map(([name, n]) => `${name} ${n}`)
          .join(", ");
  const type = (name: string, t: TestTypeCounts) =>
    `${name} ${t.problems} problem${t.problems === 1 ? "" : "s"} ` +
    `(${t.public_tests} public, ${t.private_tests} private tests` +
    `${t.without_private_tests > 0 ? `; ${t.without_private_tests} more skipped: no private tests` : ""})`;
  const { stdin, functional } = report.by_test_type;
  const present = (t: TestTypeCounts) => t.problems > 0 || t.without_private_tests > 0;
  const types = [present(stdin) || !present(functional) ? type("stdin", stdin) : ""];
  if (present(functional)) types.push(type("functional", functional));
  const s = report.files.length === 1 ? "" : "s";
  const lines: [string, string][] = [
    ["dataset", `${report.dataset} (${report.files.length} file${s})`],
    ["problems", String(report.problems)],
    ["platform", list(report.by_platform)],
    ["difficulty", list(report.by_difficulty)],
    ["test type", types.filter(Boolean).join("; ")],
    ["dates", report.date_range ? `${report.date_range.from} to ${report.date_range.to}` : "-"],
    ["bad rows", String(report.bad_rows)],
  ];
  const width = Math.max(...lines.map(([key]) => key.length));
  const out = lines.map(([key, value]) => `${key.padEnd(width)}  ${value}`);
  for (const message of report.first_bad_rows) out.push(`  ${message}`);
  if (report.bad_rows > report.first_bad_rows.length) {
    out.push(`  … and ${report.bad_rows - report.first_bad_rows.length} more`);
  }
  return out.join("\n");
}
