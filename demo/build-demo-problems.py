#!/usr/bin/env python3
"""Builds sstar's demo problems, demo/demo-problems.jsonl, from demo/problems/, and verifies them.

Every folder in demo/problems/ holds one problem:

  problem.json    question_id, question_title, platform, contest_id, contest_date, difficulty,
                  kind ("stdin" or "call") and, for call problems, func_name and starter_code
  statement.md    the statement (question_content), with the examples
  solution.py     the reference solution: standard-library Python 3
  explanation.md  the prose that opens the model-style reference_response
  tests.py        PUBLIC: the statement's examples with their outputs;
                  hidden(rng): the hidden test inputs, from the seeded generator it is given;
                  brute(input): the answer by brute force, or None when the input is too big for it
  wrong/*.py      programs with typical bugs (and slow but correct ones); each must fail some test

The output uses LiveCodeBench's code_generation_lite row shape, plus reference_solution and
reference_response. Test inputs are stdin text, or for call problems one JSON value per line (the
arguments in order); outputs are stdout text, or the JSON of the return value.

The build runs the reference solution on every test in its own subprocess, with a time limit, to
compute the expected outputs; checks them against the statement's examples and, on small inputs,
against the brute force; writes the JSONL; then reads the file back and grades the reference solution
on every test again as LiveCodeBench would, and checks that every wrong program fails a test.
Standard library only. Usage:

  python3 demo/build-demo-problems.py              build, write and verify
  python3 demo/build-demo-problems.py --check      verify only: fail if a build would change the file
  python3 demo/build-demo-problems.py --skip-wrong skip the wrong programs (they take about a minute)
"""

import argparse
import importlib.util
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal, InvalidOperation

sys.dont_write_bytecode = True  # importing the problems' tests.py must not leave __pycache__ in the sources

HERE = os.path.dirname(os.path.abspath(__file__))
PROBLEMS_DIR = os.path.join(HERE, "problems")
OUTPUT = os.path.join(HERE, "demo-problems.jsonl")

TIME_LIMIT_S = 6  # the sandbox's default per-test limit (CPU seconds here): a slow program must not get past
REFERENCE_BUDGET_S = 1.5  # CPU seconds: the reference must stay well inside the limit (gVisor is slower)
HIDDEN_TESTS = (25, 40)
MAX_TEST_BYTES = 200_000
MAX_FILE_BYTES = 3_000_000
FIELDS = [
    "question_id",
    "question_title",
    "question_content",
    "platform",
    "contest_id",
    "contest_date",
    "difficulty",
    "starter_code",
    "metadata",
    "public_test_cases",
    "private_test_cases",
    "reference_solution",
    "reference_response",
]

# Runs one test of a program in a fresh interpreter under a CPU-time limit, and reports the CPU time used
# on stderr's last line. stdin programs run as __main__; call programs as LiveCodeBench calls them:
# `Solution().<name>(*args)` with the arguments read one JSON value per line.
HARNESS = r"""
import json, resource, sys
path, kind, name, cpu = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
with open(path) as f:
    code = compile(f.read(), path, "exec")
status = 0
if kind == "stdin":
    try:
        exec(code, {"__name__": "__main__"})
    except SystemExit as e:
        status = e.code
else:
    namespace = {"__name__": "solution"}
    exec(code, namespace)
    args = [json.loads(line) for line in sys.stdin.read().split("\n")]
    value = getattr(namespace["Solution"](), name)(*args)
    if isinstance(value, tuple):
        value = list(value)
    sys.stdout.write(json.dumps(value))
sys.stdout.flush()
usage = resource.getrusage(resource.RUSAGE_SELF)
sys.stderr.write("\nCPU-SECONDS %.3f\n" % (usage.ru_utime + usage.ru_stime))
sys.exit(status)
"""


class BuildError(Exception):
    pass


def fail(where, message):
    raise BuildError("%s: %s" % (where, message))


# ------------------------------------------------------------------------------------------------
# Running programs
# ------------------------------------------------------------------------------------------------


def run_program(path, kind, func_name, test_input, cpu_limit=TIME_LIMIT_S):
    """Runs one test in a fresh interpreter. Returns (status, output, cpu_seconds, error).

    The limit is on CPU time, so that a busy machine does not turn a fast program into a slow one; the
    wall clock only guards against a program that sleeps or blocks.
    """
    command = [sys.executable, "-I", "-c", HARNESS, path, kind, func_name or "", str(int(cpu_limit))]
    try:
        done = subprocess.run(
            command,
            input=test_input,
            capture_output=True,
            text=True,
            timeout=cpu_limit * 10 + 30,
            cwd=tempfile.gettempdir(),
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
        )
    except subprocess.TimeoutExpired:
        return "time_limit", "", cpu_limit, "no result after %.0f s of wall time" % (cpu_limit * 10 + 30)
    head, marker, tail = done.stderr.rpartition("\nCPU-SECONDS ")
    if done.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return "time_limit", done.stdout, cpu_limit, "over %.0f s of CPU time" % cpu_limit
    if done.returncode != 0 or not marker:
        return "runtime_error", done.stdout, 0.0, done.stderr[-1500:]
    return "ok", done.stdout, float(tail.split()[0]), head


def lcb_lines(text):
    return [line.strip() for line in text.strip().split("\n")]


def stdout_matches(actual, expected):
    """LiveCodeBench's stdin comparison: line by line after stripping, numbers compared as decimals."""
    a, b = lcb_lines(actual), lcb_lines(expected)
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x == y:
            continue
        try:
            if [Decimal(v) for v in x.split()] != [Decimal(v) for v in y.split()]:
                return False
        except (InvalidOperation, ValueError):
            return False
    return True


def output_matches(kind, actual, expected):
    if kind == "stdin":
        return stdout_matches(actual, expected)
    try:
        return json.loads(actual) == json.loads(expected)
    except ValueError:
        return False


# ------------------------------------------------------------------------------------------------
# Loading the sources
# ------------------------------------------------------------------------------------------------


def read_text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def compact(value):
    return json.dumps(value, separators=(",", ":"))


def encode_input(kind, value):
    if kind == "stdin":
        if not isinstance(value, str):
            fail("tests", "a stdin input must be a string")
        return value if value.endswith("\n") else value + "\n"
    if not isinstance(value, list):
        fail("tests", "a call input must be the list of arguments")
    return "\n".join(json.dumps(arg) for arg in value)


def decode_input(kind, text):
    return text if kind == "stdin" else [json.loads(line) for line in text.split("\n")]


class Source:
    def __init__(self, folder):
        self.folder = folder
        self.where = os.path.relpath(folder, HERE)
        self.meta = json.loads(read_text(os.path.join(folder, "problem.json")))
        for key in ("question_id", "question_title", "platform", "contest_id", "contest_date", "difficulty"):
            if not isinstance(self.meta.get(key), str) or not self.meta[key]:
                fail(self.where, "problem.json needs %s" % key)
        self.id = self.meta["question_id"]
        self.kind = self.meta.get("kind")
        if self.kind not in ("stdin", "call"):
            fail(self.where, 'problem.json: kind must be "stdin" or "call"')
        if self.meta["difficulty"] not in ("easy", "medium", "hard"):
            fail(self.where, "problem.json: difficulty must be easy, medium or hard")
        self.func_name = self.meta.get("func_name")
        if self.kind == "call" and not (self.func_name and self.meta.get("starter_code")):
            fail(self.where, "a call problem needs func_name and starter_code")
        self.statement = read_text(os.path.join(folder, "statement.md")).rstrip("\n")
        self.solution_path = os.path.join(folder, "solution.py")
        self.solution = read_text(self.solution_path).strip("\n") + "\n"
        self.explanation = read_text(os.path.join(folder, "explanation.md")).strip()
        self.tests = load_module(os.path.join(folder, "tests.py"), "tests_" + self.id)
        wrong_dir = os.path.join(folder, "wrong")
        self.wrong = sorted(
            os.path.join(wrong_dir, name) for name in os.listdir(wrong_dir) if name.endswith(".py")
        ) if os.path.isdir(wrong_dir) else []


# ------------------------------------------------------------------------------------------------
# Building
# ------------------------------------------------------------------------------------------------


def build_problem(src, pool):
    kind = src.kind
    testtype = "stdin" if kind == "stdin" else "functional"

    # The statement's examples.
    public = []
    for i, (raw_input, raw_output) in enumerate(src.tests.PUBLIC):
        text = encode_input(kind, raw_input)
        if kind == "stdin":
            expected = raw_output if raw_output.endswith("\n") else raw_output + "\n"
            shown = [text.rstrip("\n"), expected.rstrip("\n")]
        else:
            expected = json.dumps(raw_output)
            shown = [compact(arg) for arg in raw_input] + ["Output: " + compact(raw_output)]
        for piece in shown:
            if piece not in src.statement:
                fail(src.where, "example %d: %r does not appear in the statement" % (i + 1, piece[:80]))
        public.append((text, expected))

    # The hidden tests, from the seeded generator.
    rng = random.Random("sstar-demo:" + src.id)
    hidden_inputs = [encode_input(kind, value) for value in src.tests.hidden(rng)]
    seen = set(text for text, _ in public)
    for i, text in enumerate(hidden_inputs):
        if text in seen:
            fail(src.where, "hidden test %d repeats an earlier test" % i)
        seen.add(text)
        if len(text.encode()) > MAX_TEST_BYTES:
            fail(src.where, "hidden test %d is %d bytes (limit %d)" % (i, len(text.encode()), MAX_TEST_BYTES))
    if not HIDDEN_TESTS[0] <= len(hidden_inputs) <= HIDDEN_TESTS[1]:
        fail(src.where, "%d hidden tests; %d to %d wanted" % ((len(hidden_inputs),) + HIDDEN_TESTS))

    # Expected outputs: the reference solution's, each test in its own process.
    inputs = [text for text, _ in public] + hidden_inputs
    runs = list(
        pool.map(lambda text: run_program(src.solution_path, kind, src.func_name, text), inputs)
    )
    outputs = []
    slowest = 0.0
    for i, (status, output, seconds, error) in enumerate(runs):
        label = "example %d" % (i + 1) if i < len(public) else "hidden test %d" % (i - len(public))
        if status != "ok":
            fail(src.where, "the reference solution failed on %s (%s): %s" % (label, status, error))
        if seconds > REFERENCE_BUDGET_S:
            fail(src.where, "the reference solution used %.2f s of CPU on %s" % (seconds, label))
        slowest = max(slowest, seconds)
        if kind == "stdin" and not output.endswith("\n"):
            output += "\n"
        if i < len(public) and not output_matches(kind, output, public[i][1]):
            fail(src.where, "%s: the reference prints %r, the statement says %r" % (label, output, public[i][1]))
        outputs.append(public[i][1] if i < len(public) else output)

    # The brute force agrees wherever it can run.
    cross_checked = 0
    for i, (text, output) in enumerate(zip(inputs, outputs)):
        answer = src.tests.brute(decode_input(kind, text))
        if answer is None:
            continue
        cross_checked += 1
        wanted = answer if kind == "stdin" else json.dumps(answer)
        if not output_matches(kind, output, wanted):
            fail(src.where, "test %d: the reference gives %r, the brute force %r" % (i, output[:200], wanted[:200]))

    def cases(pairs):
        return json.dumps([{"input": t, "output": o, "testtype": testtype} for t, o in pairs])

    row = {
        "question_id": src.id,
        "question_title": src.meta["question_title"],
        "question_content": src.statement,
        "platform": src.meta["platform"],
        "contest_id": src.meta["contest_id"],
        "contest_date": src.meta["contest_date"],
        "difficulty": src.meta["difficulty"],
        "starter_code": src.meta.get("starter_code", ""),
        "metadata": json.dumps({"func_name": src.func_name}) if kind == "call" else "{}",
        "public_test_cases": cases(zip(inputs[: len(public)], outputs[: len(public)])),
        "private_test_cases": cases(zip(inputs[len(public) :], outputs[len(public) :])),
        "reference_solution": src.solution,
        "reference_response": "%s\n\n```python\n%s```\n" % (src.explanation, src.solution),
    }
    stats = {"hidden": len(hidden_inputs), "cross_checked": cross_checked, "slowest_s": slowest}
    return row, stats


# ------------------------------------------------------------------------------------------------
# Verifying the written file
# ------------------------------------------------------------------------------------------------


def row_tests(row):
    return json.loads(row["public_test_cases"]) + json.loads(row["private_test_cases"])


def row_kind(row):
    return "stdin" if row_tests(row)[0]["testtype"] == "stdin" else "call"


def verify_rows(rows, pool):
    """Grades each reference solution on every test of the file, each test in its own process."""
    problems = []
    for row in rows:
        if list(row) != FIELDS:
            fail(row.get("question_id", "?"), "fields %s, wanted %s" % (list(row), FIELDS))
        kind = row_kind(row)
        func_name = json.loads(row["metadata"]).get("func_name")
        problems.append((row, kind, func_name, row_tests(row)))
    with tempfile.TemporaryDirectory(prefix="sstar-demo-") as scratch:
        jobs = []
        for row, kind, func_name, tests in problems:
            path = os.path.join(scratch, row["question_id"] + ".py")
            with open(path, "w", encoding="utf-8") as f:
                f.write(row["reference_solution"])
            for test in tests:
                jobs.append((row["question_id"], path, kind, func_name, test))

        def grade(job):
            qid, path, kind, func_name, test = job
            status, output, seconds, error = run_program(path, kind, func_name, test["input"])
            return qid, status == "ok" and output_matches(kind, output, test["output"]), status, error

        graded = list(pool.map(grade, jobs))
    failures = [(qid, status, error) for qid, ok, status, error in graded if not ok]
    if failures:
        qid, status, error = failures[0]
        fail(qid, "%d tests failed when verifying the file; first: %s %s" % (len(failures), status, error))
    return len(graded)


def check_wrong_programs(sources, rows, pool):
    """Every wrong program must fail some test: wrong answer, crash or the time limit."""
    by_id = {row["question_id"]: row for row in rows}
    jobs = [(src, path) for src in sources for path in src.wrong]

    def first_failure(job):
        src, path = job
        row = by_id[src.id]
        for i, test in enumerate(row_tests(row)):
            status, output, _, _ = run_program(path, src.kind, src.func_name, test["input"])
            if status != "ok":
                return i, status
            if not output_matches(src.kind, output, test["output"]):
                return i, "wrong_answer"
        return None

    results = list(pool.map(first_failure, jobs))
    report = {}
    for (src, path), result in zip(jobs, results):
        name = os.path.relpath(path, HERE)
        if result is None:
            fail(name, "passes every test: the tests cannot tell it from a correct program")
        report.setdefault(src.id, []).append((os.path.basename(path), result))
    return report


# ------------------------------------------------------------------------------------------------


def serialize(rows):
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="verify only; fail if a build would change the file")
    parser.add_argument("--skip-wrong", action="store_true", help="do not run the wrong programs")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="programs run at once")
    args = parser.parse_args()

    folders = sorted(
        os.path.join(PROBLEMS_DIR, name)
        for name in os.listdir(PROBLEMS_DIR)
        if os.path.isfile(os.path.join(PROBLEMS_DIR, name, "problem.json"))
    )
    try:
        sources = [Source(folder) for folder in folders]
        ids = [src.id for src in sources]
        if len(set(ids)) != len(ids):
            fail("problems", "question ids repeat: %s" % ids)
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            rows, stats = [], []
            for src in sources:
                row, stat = build_problem(src, pool)
                rows.append(row)
                stats.append(stat)
                print(
                    "built %s  %-26s %-5s %-6s hidden %2d  brute-checked %2d  slowest %.2f s CPU"
                    % (src.id, row["question_title"], src.kind, row["difficulty"], stat["hidden"],
                       stat["cross_checked"], stat["slowest_s"]),
                    flush=True,
                )
            text = serialize(rows)
            size = len(text.encode("utf-8"))
            if size > MAX_FILE_BYTES:
                fail(OUTPUT, "%d bytes (limit %d)" % (size, MAX_FILE_BYTES))
            if args.check:
                if not os.path.exists(OUTPUT) or read_text(OUTPUT) != text:
                    fail(OUTPUT, "out of date: run python3 demo/build-demo-problems.py")
            else:
                with open(OUTPUT, "w", encoding="utf-8") as f:
                    f.write(text)
            print("%s %s: %d problems, %d bytes" % ("checked" if args.check else "wrote",
                                                     os.path.relpath(OUTPUT), len(rows), size), flush=True)

            with open(OUTPUT, encoding="utf-8") as f:
                written = [json.loads(line) for line in f if line.strip()]
            graded = verify_rows(written, pool)
            print("verified: every reference solution passes all %d tests of the file" % graded, flush=True)

            if not args.skip_wrong:
                report = check_wrong_programs(sources, written, pool)
                for qid, fails in report.items():
                    print("wrong programs of %s: %s" % (
                        qid, ", ".join("%s fails test %d (%s)" % (name, i, why) for name, (i, why) in fails)))
    except BuildError as e:
        print("build-demo-problems: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
