import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { type Command, Option } from "commander";
import { problemFromRow } from "../../datasets/lcb-row";
import { BadRowError, type Problem } from "../../datasets/problem";
import { readRows } from "../../datasets/read-rows";
import { createExecutor, type Isolation } from "../../sandbox/create-executor";
import {
  type ExecutionRequest,
  type ExecutionResult,
  type GraderName,
  InvalidRequestError,
  type TestResult,
} from "../../sandbox/types";
import { verdictList } from "../../sandbox/verdicts";
import type { GlobalOptions } from "../global-options";
import { formatTable } from "../table";

interface ExecOptions {
  dataset: string;
  problem: string;
  program: string;
  grader: GraderName;
  all?: boolean;
  json?: boolean;
  input?: string[];
  isolation: Isolation;
  unsafeNoSandbox?: boolean;
}

/** Bad input from the user (unknown problem, unreadable file, bad row): exit 2 with one line. */
class BadInputError extends Error {}

/** Below this many problems, an unknown id is answered with the whole list of ids. */
const LISTED_IDS = 20;
const DETAIL_CHARS = 60;

export function registerExec(program: Command): void {
  program
    .command("exec")
    .description(
      "run a program on a problem's public then private tests (or on given inputs) in the sandbox and " +
        "print each test's verdict; exit 0 when it ran, whatever the verdicts, 2 on bad input",
    )
    .requiredOption(
      "--dataset <file>",
      "problems in LiveCodeBench's row shape: JSONL or a JSON array, maybe .gz",
    )
    .requiredOption("--problem <id>", "the problem's question_id")
    .requiredOption("--program <file>", "the Python program to run")
    .addOption(
      new Option("--grader <name>", "lcb: LiveCodeBench's rules; ref: the S* reference's strict comparison")
        .choices(["lcb", "ref"])
        .default("lcb"),
    )
    .option("--all", "grade every test instead of stopping at the first failure")
    .option("--json", "print one JSON object (`verdicts`: each test's verdict, in order)")
    .option(
      "--input <file>",
      "run on this input instead of the dataset's tests and print the output (repeatable)",
      (file: string, files: string[] | undefined) => [...(files ?? []), file],
    )
    .addOption(
      new Option("--isolation <kind>", "gvisor (runsc), process (inside a gVisor pod), auto")
        .choices(["gvisor", "process", "auto"])
        .default("auto"),
    )
    .option("--unsafe-no-sandbox", "allow running the program outside gVisor (it can touch this machine)")
    .action(async (options: ExecOptions) => {
      try {
        await runExec(options, program.opts<GlobalOptions>().dataDir);
      } catch (err) {
        if (
          !(err instanceof BadInputError || err instanceof BadRowError || err instanceof InvalidRequestError)
        )
          throw err;
        console.error(`sstar exec: ${err.message}`);
        process.exitCode = 2;
      }
    });
}

async function runExec(options: ExecOptions, dataDir: string): Promise<void> {
  const code = readInputFile(options.program, "program");
  const inputs = (options.input ?? []).map((file) => ({ file, text: readInputFile(file, "input") }));
  const problem = await findProblem(options.dataset, options.problem);
  const collect = inputs.length > 0;
  const tests = collect
    ? inputs.map(({ text }) => ({ input: text }))
    : [...problem.publicTests, ...problem.privateTests];
  const stopOnFailure = !options.all;
  const request: ExecutionRequest = {
    program: code,
    kind: problem.kind,
    funcName: problem.funcName,
    tests,
    mode: collect ? "collect" : "grade",
    grader: options.grader,
    stopOnFailure,
  };
  const executor = await createExecutor({
    isolation: options.isolation,
    unsafe: options.unsafeNoSandbox ?? false,
    poolSize: 1,
    dataDir,
  });
  let result: ExecutionResult;
  try {
    result = await executor.execute(request);
  } finally {
    await executor.close();
  }
  if (collect) {
    const files = inputs.map((i) => i.file);
    console.log(
      options.json ? JSON.stringify(collectReport(problem, result, files)) : collectText(result, files),
    );
    return;
  }
  const report = gradeReport(problem, result, problem.publicTests.length, tests.length, stopOnFailure);
  console.log(options.json ? JSON.stringify(report) : gradeText(problem, report, stopOnFailure));
}

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

function readInputFile(file: string, what: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new BadInputError(`cannot read the ${what} file ${file}: ${(err as Error).message}`);
  }
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    // Decoding leniently would run a program other than the one written (U+FFFD for each bad byte).
    throw new BadInputError(`the ${what} file ${file} is not UTF-8 text; save it as UTF-8`);
  }
}

/** Normalizes only the wanted row: a release shard holds hundreds of compressed hidden-test blobs. */
async function findProblem(dataset: string, id: string): Promise<Problem> {
  const ids: string[] = [];
  try {
    for await (const { row, where } of readRows(dataset)) {
      const rowId = (row as { question_id?: unknown } | null)?.question_id;
      if (rowId === undefined || rowId === null) continue;
      if (String(rowId) === id) return problemFromRow(row, where);
      ids.push(String(rowId));
    }
  } catch (err) {
    if (err instanceof BadRowError) throw err;
    throw new BadInputError(`cannot read the dataset: ${(err as Error).message}`);
  }
  if (ids.length === 0)
    throw new BadInputError(`no problem ${JSON.stringify(id)}: ${dataset} holds no problems`);
  const known =
    ids.length <= LISTED_IDS
      ? `its problems are ${ids.join(", ")}`
      : `it holds ${ids.length} problems (${ids.slice(0, 5).join(", ")}, …)`;
  throw new BadInputError(`no problem ${JSON.stringify(id)} in ${dataset}: ${known}`);
}

interface TestReport {
  test: number;
  set: "public" | "private";
  outcome: string;
  cpu_ms: number;
  wall_ms: number;
  expected?: string;
  output?: string;
  error?: string;
}

interface GradeReport {
  problem: string;
  grader: GraderName;
  isolation: "gvisor" | "process";
  /** Every test's verdict in order (public first); ends at the first failure unless --all. */
  verdicts: string[];
  passed: boolean;
  total_tests: number;
  compile_error?: string;
  tests: TestReport[];
  cpu_ms: number;
  wall_ms: number;
}

function gradeReport(
  problem: Problem,
  result: ExecutionResult,
  publicCount: number,
  testCount: number,
  stopOnFailure: boolean,
): GradeReport {
  const verdicts = verdictList(result, testCount, stopOnFailure);
  const report: GradeReport = {
    problem: problem.id,
    grader: result.grader,
    isolation: result.isolation,
    verdicts,
    passed: verdicts.length === testCount && verdicts.every((v) => v === "passed"),
    total_tests: testCount,
    tests: result.tests.map((test, i) => testReport(test, i, i < publicCount ? "public" : "private")),
    cpu_ms: result.cpuMs,
    wall_ms: result.wallMs,
  };
  if (result.compileError !== undefined) report.compile_error = result.compileError;
  return report;
}

function testReport(test: TestResult, index: number, set: "public" | "private"): TestReport {
  const report: TestReport = {
    test: index + 1,
    set,
    outcome: test.outcome,
    cpu_ms: test.cpuMs,
    wall_ms: test.wallMs,
  };
  if (test.outcome !== "passed") {
    if (test.expected !== undefined) report.expected = test.expected;
    if (test.output !== undefined) report.output = test.output;
    if (test.error !== undefined) report.error = test.error;
  }
  return report;
}

function gradeText(problem: Problem, report: GradeReport, stopOnFailure: boolean): string {
  const heading =
    `${problem.id} (${problem.platform}, ${problem.difficulty}, ${problem.kind}): grader ${report.grader}, ` +
    `${report.isolation}, ${report.total_tests} tests` +
    (stopOnFailure ? ", stopping at the first failure" : "");
  if (report.compile_error !== undefined) {
    return `${heading}\ncompile_error:\n${report.compile_error.trimEnd()}`;
  }
  const table = formatTable(
    ["#", "set", "verdict", "cpu ms", "wall ms", "detail"],
    report.tests.map((t) => [
      String(t.test),
      t.set,
      t.outcome,
      String(Math.round(t.cpu_ms)),
      String(Math.round(t.wall_ms)),
      shortDetail(t),
    ]),
  );
  const counts = new Map<string, number>();
  for (const v of report.verdicts) counts.set(v, (counts.get(v) ?? 0) + 1);
  const notRun = report.total_tests - report.verdicts.length;
  const summary = [...counts].map(([v, n]) => `${n} ${v}`).concat(notRun > 0 ? [`${notRun} not run`] : []);
  return `${heading}\n${table}\n${report.passed ? "PASSED" : "FAILED"}: ${summary.join(", ")}`;
}

function shortDetail(test: TestReport): string {
  if (test.outcome === "wrong_answer") {
    return clip(`expected ${JSON.stringify(test.expected ?? "")}, got ${JSON.stringify(test.output ?? "")}`);
  }
  if (test.error) {
    const lines = test.error.trim().split("\n");
    return clip(lines[lines.length - 1] ?? "");
  }
  return "";
}

function clip(text: string): string {
  return text.length <= DETAIL_CHARS ? text : `${text.slice(0, DETAIL_CHARS - 1)}…`;
}

function collectReport(problem: Problem, result: ExecutionResult, files: string[]) {
  return {
    problem: problem.id,
    grader: result.grader,
    isolation: result.isolation,
    mode: "collect",
    ...(result.compileError !== undefined ? { compile_error: result.compileError } : {}),
    tests: result.tests.map((test, i) => ({
      input: files[i],
      outcome: test.outcome,
      cpu_ms: test.cpuMs,
      wall_ms: test.wallMs,
      ...(test.output !== undefined ? { output: test.output } : {}),
      ...(test.error !== undefined ? { error: test.error } : {}),
    })),
  };
}

function collectText(result: ExecutionResult, files: string[]): string {
  if (result.compileError !== undefined) return `compile_error:\n${result.compileError.trimEnd()}`;
  return result.tests
    .map((test, i) => {
      const head = `== input ${i + 1} (${basename(files[i] ?? "")}): ${test.outcome}, cpu ${Math.round(test.cpuMs)} ms, wall ${Math.round(test.wallMs)} ms`;
      const body = test.outcome === "ok" ? (test.output ?? "") : (test.error ?? "");
      return `${head}\n${body.replace(/\n$/, "")}`;
    })
    .join("\n");
}
