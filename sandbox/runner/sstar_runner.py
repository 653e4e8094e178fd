#!/usr/bin/env python3
"""sstar's sandbox runner: executes untrusted programs against tests, one program per process.

It is long-lived: started once inside a gVisor sandbox (or, in a pod already under gVisor, as a
plain process), it reads one JSON request per line on stdin and writes one JSON response per line
on stdout. Each program runs in a forked child under rlimits, as an unprivileged user when the
runner is root, in a scratch folder that is wiped afterwards, with an empty environment. The
child reports raw outputs over a private pipe; the runner alone holds expected outputs and grades,
so a program cannot see or forge them.

Graders: `lcb` reproduces LiveCodeBench's official testing_util verdict for verdict; `ref`
reproduces the S* reference harness's strict comparison and argument parsing.
Standard library only: it must run on any python3 >= 3.8.
"""

import ast
import ctypes
import json
import os
import resource
import selectors
import shutil
import signal
import sys
import tempfile
import time
import traceback
from decimal import Decimal, InvalidOperation

NOBODY = 65534
TAIL_BYTES = 2000  # stderr tail and truncated outputs kept in results
CHILD_POLL_S = 0.05  # how often the runner checks whether a supervised child has exited
COALESCE_S = 0.002  # after reading test reports, the runner waits this long for more to gather
COALESCE_MAX_BYTES = 16384  # unless it read this much: then the child may be blocked on the full pipe

# LiveCodeBench's prelude for generated programs (lcb_runner/evaluation/testing_util.py).
LCB_IMPORTS = "\n".join(
    ["from %s import *" % m for m in (
        "string", "re", "datetime", "collections", "heapq", "bisect", "copy", "math", "random",
        "statistics", "itertools", "functools", "operator", "io", "sys", "json", "typing",
    )]
    + ["import %s" % m for m in (
        "string", "re", "datetime", "collections", "heapq", "bisect", "copy", "math", "random",
        "statistics", "itertools", "functools", "operator", "io", "sys", "json",
    )]
    + ["sys.setrecursionlimit(50000)", ""]
)


class OutputLimit(BaseException):
    """Raised inside the child when captured stdout outgrows its limit; not catchable as Exception."""


# ----------------------------------------------------------------------------------------------
# Child side: compile the program, run each test, report raw outputs.
# ----------------------------------------------------------------------------------------------


def lcb_clean_if_name(code):
    try:
        tree = ast.parse(code)
        last = tree.body[-1]
        if isinstance(last, ast.If) and ast.unparse(last.test).strip() == "__name__ == '__main__'":
            code = ast.unparse(tree.body[:-1]) + "\n" + ast.unparse(last.body)
    except Exception:
        pass
    return code


def lcb_make_function(code):
    try:
        tree = ast.parse(code)
        imports = [s for s in tree.body if isinstance(s, (ast.Import, ast.ImportFrom))]
        others = [s for s in tree.body if not isinstance(s, (ast.Import, ast.ImportFrom))]
        fn = ast.FunctionDef(
            name="wrapped_function",
            args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]),
            body=others,
            decorator_list=[],
            lineno=-1,
        )
        if sys.version_info >= (3, 12):
            fn.type_params = []
        return LCB_IMPORTS + "\n" + ast.unparse(imports) + "\n" + ast.unparse(fn)
    except Exception:
        return code


def exec_module(code):
    import types

    module = types.ModuleType("tmp_sol", "")
    exec(compile(code, "<program>", "exec"), module.__dict__)
    return module


def compile_program(job):
    """Returns a callable running one test: (input_text) -> dict of raw results."""
    code, kind, grader = job["program"], job["kind"], job["grader"]
    if kind == "stdin":
        if grader == "lcb":
            wrapped = lcb_make_function(lcb_clean_if_name(code))
            module = exec_module(wrapped)
            if "class Solution" in wrapped:
                # LiveCodeBench's loader instantiates `Solution` whenever the text has it, stdin programs
                # included; wrapped into a function, the class is no module attribute, so loading fails.
                raise AttributeError("LiveCodeBench loads a program containing 'class Solution' as a LeetCode class")
            method = getattr(module, "wrapped_function", None)
            if method is None:
                raise LookupError("the program could not be wrapped into a function")
            return lambda text: run_stdin_lcb(method, text)
        compiled = compile(code, "<program>", "exec")
        main_guard = '__name__ == "__main__"' in code
        return lambda text: run_stdin_ref(compiled, main_guard, text)
    if grader == "lcb":
        module = exec_module(LCB_IMPORTS + "\n\n" + code)
        owner = module.Solution() if "class Solution" in code else module
        name = job.get("func_name") or ""
        method = getattr(owner, name, None)
        if method is None:
            raise LookupError("the program defines no function %r" % name)
        return lambda text: run_call_lcb(method, text)
    namespace = {}
    exec(compile(code, "<program>", "exec"), namespace)
    name = code.split("(")[0].split()[-1] if "(" in code and code.split("(")[0].split() else ""
    return lambda text: run_call_ref(namespace, name, text)


class CappedStringIO:
    """sys.stdout for the program: a StringIO that refuses to grow past the output limit."""

    def __init__(self, limit):
        import io

        self._buf = io.StringIO()
        self._limit = limit
        self._size = 0

    def write(self, s):
        self._size += len(s)
        if self._size > self._limit:
            raise OutputLimit()
        return self._buf.write(s)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def getvalue(self):
        return self._buf.getvalue()

    def flush(self):
        pass

    def close(self):  # closing stdout must not lose what was printed (LCB makes close a no-op)
        pass

    def isatty(self):
        return False

    def fileno(self):
        import io

        raise io.UnsupportedOperation("fileno")

    @property
    def encoding(self):
        return "utf-8"


def make_stdin(text):
    import io

    class MockStdin(io.StringIO):
        pass

    stdin = MockStdin(text)
    stdin.buffer = io.BytesIO(text.encode())
    return stdin


def run_stdin_lcb(method, text):
    # The same patches as LiveCodeBench's call_method, verdict for verdict.
    from unittest.mock import mock_open, patch

    lines = iter(text.split("\n"))
    capture = CappedStringIO(CHILD["output_bytes"])
    stdin = make_stdin(text)
    fake_open = mock_open(read_data=text)
    # `from io import *` and `from sys import *` bound the real open and stdin as module globals;
    # point them at the mocks too, so open(0) and stdin.read() see the test input.
    module_globals = method.__globals__
    saved = sys.stdout, module_globals.get("open"), module_globals.get("stdin")
    sys.stdout = capture
    module_globals["open"], module_globals["stdin"] = fake_open, stdin
    try:
        with patch("builtins.open", fake_open), patch("sys.stdin", stdin), patch(
            "sys.stdin.readline", lambda *a: next(lines)
        ), patch("sys.stdin.readlines", lambda *a: text.split("\n")), patch("sys.stdin.read", lambda *a: text):
            try:
                method()
            except SystemExit:
                pass
    finally:
        sys.stdout, module_globals["open"], module_globals["stdin"] = saved
    return {"stdout": capture.getvalue()}


def run_stdin_ref(compiled, main_guard, text):
    capture = CappedStringIO(CHILD["output_bytes"])
    saved_in, saved_out = sys.stdin, sys.stdout
    sys.stdin, sys.stdout = make_stdin(text), capture
    try:
        namespace = {"__name__": "__main__"} if main_guard else {}
        exec(compiled, namespace)
    finally:
        sys.stdin, sys.stdout = saved_in, saved_out
    return {"stdout": capture.getvalue()}


def run_call_lcb(method, text):
    args = [json.loads(line) for line in text.split("\n")]
    value = method(*args)
    if isinstance(value, tuple):  # LiveCodeBench does not penalize tuples for lists
        value = list(value)
    return {"value": encode_value(value), "repr": safe_repr(value)}


def ref_parse_arg(line):
    line = line.strip()
    if len(line) >= 2 and line[0] == line[-1] and line[0] in "\"'":
        return line[1:-1]
    if line.startswith("["):
        return json.loads(line)
    for convert in (int, float):
        try:
            return convert(line)
        except ValueError:
            pass
    return line


def run_call_ref(namespace, name, text):
    if "=" in text:  # the reference splits `a = 1, b = [2]` style inputs on ", " and "="
        args = [ref_parse_arg(part.split("=", 1)[1]) for part in text.replace("\n", ", ").split(", ") if "=" in part]
    else:
        args = [ref_parse_arg(line) for line in text.split("\n")]
    value = namespace[name](*args)
    return {"value": encode_value(value), "repr": safe_repr(value)}


def safe_repr(value):
    try:
        text = repr(value)
    except BaseException as e:  # a hostile __repr__
        text = "<unrepresentable %s: %s>" % (type(value).__name__, type(e).__name__)
    if len(text) > CHILD["output_bytes"]:
        raise OutputLimit()
    return text


def encode_value(value, depth=0):
    """A typed JSON tree of a return value, so the runner can rebuild it and use Python equality."""
    if depth > 200:
        return ["opaque", "deep", ""]
    t = type(value)
    if value is None:
        return ["none"]
    if t is bool:
        return ["bool", value]
    if t is int:
        return ["int", hex(value)]  # hex: decimal conversion of huge ints is capped
    if t is float:
        return ["float", repr(value)]
    if t is str:
        return ["str", value]
    if t in (list, tuple):
        return ["list" if t is list else "tuple", [encode_value(v, depth + 1) for v in value]]
    if t in (set, frozenset):
        return [t.__name__, [encode_value(v, depth + 1) for v in value]]
    if t is dict:
        return ["dict", [[encode_value(k, depth + 1), encode_value(v, depth + 1)] for k, v in value.items()]]
    return ["opaque", t.__name__, safe_repr(value)[:200]]


CHILD = {"output_bytes": 1 << 20}


def child_main(job, start, result_w, out_w, err_w, scratch, drop_to):
    # The fork copied the request, expected outputs included, into this process; the program could
    # find them (gc, frames) and print them.
    for test in job["tests"]:
        test["expected"] = None
    try:
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        keep = {0, 1, 2, result_w}
        for fd in list_open_fds():
            if fd not in keep:
                try:
                    os.close(fd)
                except OSError:
                    pass
        limits = job["limits"]
        CHILD["output_bytes"] = limits["output_bytes"]
        set_limit(resource.RLIMIT_AS, limits["memory_bytes"])
        set_limit(resource.RLIMIT_FSIZE, limits["file_bytes"])
        set_limit(resource.RLIMIT_NOFILE, limits["open_files"])
        set_limit(resource.RLIMIT_CORE, 0)
        nproc = limits["processes"]
        if drop_to is None:
            nproc += processes_of_uid(os.getuid())
        set_limit(resource.RLIMIT_NPROC, nproc)
        os.chdir(scratch)
        if drop_to is not None:
            os.setgroups([])
            os.setgid(drop_to)
            os.setuid(drop_to)
        os.environ.clear()
        os.environ.update({"PATH": "/usr/bin:/bin", "HOME": scratch, "TMPDIR": scratch, "LANG": "C.UTF-8"})
        tempfile.tempdir = scratch
        sys.stdout = os.fdopen(1, "w", buffering=1)
        sys.stderr = os.fdopen(2, "w", buffering=1)
        report = os.fdopen(result_w, "w", buffering=1)
    except BaseException:
        os._exit(70)

    def emit(event):
        report.write(json.dumps(event) + "\n")
        report.flush()

    time_s = limits["time_s"]
    # The CPU of this process, which RLIMIT_CPU limits; what its children used is in the run's total
    # (the runner's wait4). Under gVisor every system call here, clock reads included, costs tens of
    # microseconds, so a test pays for one clock read, one getrusage and one report.
    cpu_used = lambda: sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
    try:
        # LiveCodeBench's alarm also covers compilation (module-level code runs here).
        set_limit(resource.RLIMIT_CPU, int(cpu_used()) + int(time_s) + 2, hard=False)
        run_one = compile_program(job)
    except MemoryError:
        emit({"e": "compile_error", "error": "MemoryError while loading the program"})
        os._exit(0)
    except OutputLimit:
        emit({"e": "compile_error", "error": "output limit exceeded while loading the program"})
        os._exit(0)
    except BaseException as e:
        emit({"e": "compile_error", "error": tail(format_exception(e))})
        os._exit(0)
    tests = job["tests"]
    # Every report says which test starts right after it ("next"), so one write per test suffices;
    # likewise the readings that end a test start the next one.
    emit({"e": "compiled", "next": start if start < len(tests) else None})
    cpu0, wall0 = cpu_used(), time.monotonic()
    armed_cpu_limit = None
    for i in range(start, len(tests)):
        cpu_limit = int(cpu0) + int(time_s) + 2
        if cpu_limit != armed_cpu_limit:  # RLIMIT_CPU counts whole seconds: often unchanged
            set_limit(resource.RLIMIT_CPU, cpu_limit, hard=False)
            armed_cpu_limit = cpu_limit
        event = {"e": "done", "i": i, "next": i + 1 if i + 1 < len(tests) else None}
        try:
            event.update(run_one(tests[i]["input"]))
            event["status"] = "ok"
        except OutputLimit:
            event["status"] = "output_limit"
        except MemoryError:
            event["status"] = "memory_limit"
            event["error"] = "MemoryError"
        except BaseException as e:  # SystemExit and KeyboardInterrupt included: the test failed
            event["status"] = "error"
            event["error"] = tail(format_exception(e))
            event["exception"] = "%s: %s" % (type(e).__name__, str(e)[:500])
        cpu1, wall1 = cpu_used(), time.monotonic()
        event["cpu_ms"] = round(max(0.0, cpu1 - cpu0) * 1000, 1)
        event["wall_ms"] = round((wall1 - wall0) * 1000, 1)
        cpu0, wall0 = cpu1, wall1
        try:
            emit(event)
        except OutputLimit:
            emit({"e": "done", "i": i, "status": "output_limit", "next": event["next"]})
    os._exit(0)


def call_with_stack_room(fn):
    """Calls fn from a frame that reserves a large, never-touched stack area (see below)."""
    return fn()


# CPython (3.11+) keeps Python frames in chunks it maps and unmaps as recursion crosses their ends;
# a recursive program that oscillates around a chunk boundary then costs an mmap and a munmap per
# call, and under gVisor each is a round trip to the sentry (a recursive DP ran 10x slower). Frames
# called from this one share its chunk, whose free part (about 2 MiB, some 15,000 frames) is only
# reserved address space until used. Older Pythons just get a larger frame object.
call_with_stack_room.__code__ = call_with_stack_room.__code__.replace(co_stacksize=1 << 18)


def format_exception(e):
    """The exception as the program's author would see it: only frames of the program itself."""
    frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == "<program>"]
    text = "".join(traceback.format_list(frames))
    return ("Traceback (most recent call last):\n" + text if text else "") + "".join(
        traceback.format_exception_only(type(e), e)
    )


def tail(text, limit=TAIL_BYTES):
    return text if len(text) <= limit else "..." + text[-limit:]


CHILD_RLIMITS = (
    resource.RLIMIT_AS,
    resource.RLIMIT_FSIZE,
    resource.RLIMIT_NOFILE,
    resource.RLIMIT_CORE,
    resource.RLIMIT_NPROC,
    resource.RLIMIT_CPU,
)
# This process's hard rlimits as set_limit last left them: read once in the runner and inherited by
# every child, which spares a getrlimit per limit per program (a round trip to the sentry).
HARD_LIMITS = {}


def set_limit(which, soft, hard=True):
    try:
        old_hard = HARD_LIMITS.get(which)
        if old_hard is None:
            old_hard = HARD_LIMITS[which] = resource.getrlimit(which)[1]
        if old_hard != resource.RLIM_INFINITY:
            soft = min(soft, old_hard)
        resource.setrlimit(which, (soft, soft if hard else old_hard))
        if hard:
            HARD_LIMITS[which] = soft
    except (ValueError, OSError):
        pass


def list_open_fds():
    try:
        return [int(fd) for fd in os.listdir("/proc/self/fd")]
    except OSError:
        return list(range(3, 1024))


def processes_of_uid(uid):
    count = 0
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if os.stat("/proc/" + pid).st_uid == uid:
                    count += len(os.listdir("/proc/%s/task" % pid))
            except OSError:
                pass
    return count


# ----------------------------------------------------------------------------------------------
# Runner side: supervise children, enforce wall limits, grade.
# ----------------------------------------------------------------------------------------------


class Opaque:
    """A returned object of a type JSON cannot carry: equal to nothing, as it would be to JSON data."""

    def __init__(self, name, text):
        self.name, self.text = name, text

    def __eq__(self, other):
        return False

    __hash__ = object.__hash__


def decode_value(node):
    tag = node[0]
    if tag == "none":
        return None
    if tag in ("bool", "str"):
        return node[1]
    if tag == "int":
        return int(node[1], 16)
    if tag == "float":
        return float(node[1])
    if tag == "list":
        return [decode_value(v) for v in node[1]]
    if tag == "tuple":
        return tuple(decode_value(v) for v in node[1])
    if tag in ("set", "frozenset"):
        items = [decode_value(v) for v in node[1]]
        try:
            return set(items) if tag == "set" else frozenset(items)
        except TypeError:
            return Opaque(tag, "")
    if tag == "dict":
        try:
            return {decode_value(k): decode_value(v) for k, v in node[1]}
        except TypeError:
            return Opaque("dict", "")
    return Opaque(node[1], node[2] if len(node) > 2 else "")


def lcb_lines(text):
    return [line.strip() for line in text.strip().split("\n")]


def lcb_decimals(line):
    try:
        return True, [Decimal(x) for x in line.split()]
    except (InvalidOperation, ValueError):
        return False, []


def lcb_stdout_matches(actual, expected):
    a, b = lcb_lines(actual), lcb_lines(expected)
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x == y:
            continue
        ok_x, dx = lcb_decimals(x)
        ok_y, dy = lcb_decimals(y)
        if not (ok_x and ok_y and dx == dy):
            return False
    return True


def ref_stdout_matches(actual, expected):
    expected = expected.strip()
    if expected.endswith("-"):
        expected = expected[:-1]
    return actual.strip() == expected.strip()


def expected_value(text, grader):
    if grader == "lcb":
        return json.loads(text)
    try:
        return json.loads(text)
    except ValueError:
        return text


def judge(job, test, event):
    """The verdict of one finished test, and the fields that explain it."""
    status = event.get("status")
    if status == "output_limit":
        return {"verdict": "output_limit"}
    if status == "memory_limit":
        return {"verdict": "memory_limit", "error": event.get("error")}
    if status == "error":
        return {"verdict": "runtime_error", "error": event.get("error"), "exception": event.get("exception")}
    output = event["stdout"] if "stdout" in event else event.get("repr", "")
    if job["mode"] == "collect":
        return {"verdict": "ok", "output": output}
    expected = test.get("expected")
    if expected is None:
        return {"verdict": "runtime_error", "error": "grade mode needs an expected output for every test"}
    if "stdout" in event:
        match = (lcb_stdout_matches if job["grader"] == "lcb" else ref_stdout_matches)(event["stdout"], expected)
    else:
        try:
            match = decode_value(event["value"]) == expected_value(expected, job["grader"])
        except (ValueError, RecursionError) as e:
            return {"verdict": "runtime_error", "error": "the expected output is not valid JSON: %s" % e}
        except Exception as e:  # equality itself failed (an exotic value)
            return {"verdict": "wrong_answer", "output": tail(output), "expected": tail(expected), "error": repr(e)}
    if match:
        return {"verdict": "passed"}
    return {"verdict": "wrong_answer", "output": tail(output), "expected": tail(expected)}


def death_verdict(status, we_killed_for):
    """The verdict of a test during which the child died, from how it died."""
    if we_killed_for:
        return {"verdict": we_killed_for}
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGXCPU:
            return {"verdict": "time_limit", "error": "CPU time limit exceeded"}
        if sig == signal.SIGXFSZ:
            return {"verdict": "output_limit", "error": "file size limit exceeded"}
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        return {"verdict": "runtime_error", "error": "killed by signal %s" % name}
    return {"verdict": "runtime_error", "error": "the program exited the process (code %d)" % os.WEXITSTATUS(status)}


class Runner:
    def __init__(self, scratch_root):
        self.scratch_root = scratch_root
        self.drop_to = NOBODY if os.getuid() == 0 else None
        set_subreaper()
        for which in CHILD_RLIMITS:
            HARD_LIMITS[which] = resource.getrlimit(which)[1]

    def run_job(self, job):
        if job["kind"] == "stdin" and job["grader"] == "lcb":
            # Its stdin patches need unittest.mock: imported here once, not in every child. Not
            # preloaded, because the ~90 modules it brings make every later fork slower under gVisor
            # (~20 ms per program), which call-based jobs would pay for nothing.
            import unittest.mock  # noqa: F401
        tests = job["tests"]
        stop_on_failure = job["mode"] == "grade" and job.get("stop_on_failure", True)
        results = [None] * len(tests)
        response = {"id": job.get("id"), "results": [], "compile_error": None}
        started = time.monotonic()
        cpu_ms = 0.0
        next_test = 0
        while True:
            outcome = self.run_child(job, next_test, results)
            cpu_ms += outcome["cpu_ms"]
            if outcome.get("compile_error") is not None:
                response["compile_error"] = outcome["compile_error"]
                break
            died_at = outcome.get("died_at")
            # A child that died mid-test cannot run the rest; a fresh one continues after it.
            if died_at is None or stop_on_failure or died_at + 1 >= len(tests):
                break
            next_test = died_at + 1
        response["results"] = [r for r in results if r is not None]
        if stop_on_failure:
            first_bad = next((i for i, r in enumerate(response["results"]) if r["verdict"] != "passed"), None)
            if first_bad is not None:
                response["results"] = response["results"][: first_bad + 1]
        response["cpu_ms"] = round(cpu_ms, 1)
        response["wall_ms"] = round((time.monotonic() - started) * 1000, 1)
        return response

    def run_child(self, job, start, results):
        limits = job["limits"]
        scratch = tempfile.mkdtemp(prefix="run-", dir=self.scratch_root)
        if self.drop_to is not None:
            os.chown(scratch, self.drop_to, self.drop_to)
        result_r, result_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(result_r)
            os.close(out_r)
            os.close(err_r)
            call_with_stack_room(lambda: child_main(job, start, result_w, out_w, err_w, scratch, self.drop_to))
            os._exit(71)
        for fd in (result_w, out_w, err_w):
            os.close(fd)
        try:
            return self.supervise(job, start, pid, result_r, out_r, err_r, results, limits)
        finally:
            kill_tree(pid, self.drop_to)
            for fd in (result_r, out_r, err_r):
                try:
                    os.close(fd)
                except OSError:
                    pass
            shutil.rmtree(scratch, ignore_errors=True)

    def supervise(self, job, start, pid, result_r, out_r, err_r, results, limits):
        """Reads the child's reports until it finishes, dies, or must be killed; grades as it goes."""
        time_s = limits["time_s"]
        stop_on_failure = job["mode"] == "grade" and job.get("stop_on_failure", True)
        sel = selectors.DefaultSelector()
        for fd in (result_r, out_r, err_r):
            os.set_blocking(fd, False)
            sel.register(fd, selectors.EVENT_READ)
        pending = b""
        stderr_tail = b""
        written = 0  # bytes the program wrote straight to fds 1 and 2
        current = None  # index of the test now running
        compiled = False
        compile_error = None
        reported_cpu = 0.0
        kill_reason = None  # why the runner ended the child: a verdict, or "stopped" after a failure
        # The clock is read once per wake-up (a clock read is a system call under gVisor), right after
        # the wait, so that deadlines set from it never start before the events that set them.
        now = time.monotonic()
        deadline = now + time_s + 1  # LiveCodeBench's alarm covers loading too
        result_open = True
        # A descendant that inherited the pipes keeps them open after the child is gone, so EOF alone
        # cannot tell that the child died: its exit is polled too.
        exited = None  # (status, rusage) once the child has been reaped here
        next_poll = now + CHILD_POLL_S
        while result_open and kill_reason is None:
            timeout = deadline - now
            if timeout <= 0:
                kill_reason = "time_limit"
                break
            if exited is None and now >= next_poll:
                done, status, usage = os.wait4(pid, os.WNOHANG)
                if done:
                    exited = (status, usage)
                next_poll = now + CHILD_POLL_S
            ready = sel.select(0 if exited else min(timeout, CHILD_POLL_S))
            now = time.monotonic()
            if exited is not None and not ready:
                break  # everything the child wrote before exiting has been read
            graded = False  # a test's report was read in this wake-up
            quiet = True  # no output, and too few reports for the child to be waiting on the pipe
            for key, _ in ready:
                try:
                    chunk = os.read(key.fd, 65536)
                except BlockingIOError:
                    continue
                quiet = quiet and key.fd == result_r and len(chunk) < COALESCE_MAX_BYTES
                if not chunk:
                    sel.unregister(key.fd)
                    if key.fd == result_r:
                        result_open = False
                    continue
                if key.fd != result_r:
                    written += len(chunk)
                    if key.fd == err_r:
                        stderr_tail = (stderr_tail + chunk)[-TAIL_BYTES:]
                    if written > limits["output_bytes"]:
                        kill_reason = "output_limit"
                        break
                    continue
                pending += chunk
                while b"\n" in pending and kill_reason is None:
                    line, pending = pending.split(b"\n", 1)
                    try:
                        event = json.loads(line)
                    except ValueError:
                        continue
                    kind = event.get("e")
                    if kind == "compile_error" and not compiled:
                        compile_error = event.get("error") or "compile error"
                    elif kind == "compiled" and not compiled:
                        compiled = True
                        # The program can write to this channel too: only the expected sequence counts.
                        if start < len(job["tests"]) and event.get("next") == start:
                            current = start
                            deadline = now + time_s
                    elif kind == "done" and current is not None and event.get("i") == current:
                        verdict = judge(job, job["tests"][current], event)
                        verdict["cpu_ms"] = event.get("cpu_ms", 0.0)
                        verdict["wall_ms"] = event.get("wall_ms", 0.0)
                        if verdict["wall_ms"] > time_s * 1000:
                            verdict = {"verdict": "time_limit", "cpu_ms": verdict["cpu_ms"], "wall_ms": verdict["wall_ms"]}
                        reported_cpu += verdict["cpu_ms"]
                        results[current] = verdict
                        graded = True
                        finished, current = current, None
                        deadline = now + time_s + 1  # until the child exits
                        if stop_on_failure and verdict["verdict"] != "passed":
                            kill_reason = "stopped"
                        elif event.get("next") == finished + 1 < len(job["tests"]):
                            current = finished + 1  # the child starts it right after reporting
                            deadline = now + time_s
                if kill_reason:
                    break
            if graded and quiet and kill_reason is None and exited is None and deadline - now > 10 * COALESCE_S:
                # Fast tests report faster than the runner can wake up for each report (a wake-up is a
                # few system calls, each a round trip to the sentry under gVisor): let a few gather.
                time.sleep(COALESCE_S)
        sel.close()
        if kill_reason is not None:
            kill_group(pid)
        status, usage = exited if exited is not None else reap(pid, deadline)
        if status is None:  # closed its report channel, then hung
            kill_reason = kill_reason or "time_limit"
            kill_group(pid)
            _, status, usage = os.wait4(pid, 0)
        total_cpu = (usage.ru_utime + usage.ru_stime) * 1000
        outcome = {"cpu_ms": max(total_cpu, reported_cpu)}
        if compile_error is not None:
            outcome["compile_error"] = compile_error
        elif not compiled:
            if kill_reason == "time_limit":
                text = "time limit exceeded while loading the program"
            else:
                text = death_verdict(status, kill_reason).get("error") or kill_reason
            if stderr_tail:
                text += "\n" + tail(stderr_tail.decode("utf-8", "replace"))
            outcome["compile_error"] = text
        elif current is not None and results[current] is None:
            verdict = death_verdict(status, kill_reason)
            if stderr_tail and verdict["verdict"] == "runtime_error":
                verdict["error"] = verdict.get("error", "") + "\n" + tail(stderr_tail.decode("utf-8", "replace"))
            verdict["cpu_ms"] = round(max(0.0, total_cpu - reported_cpu), 1)
            verdict["wall_ms"] = round(time_s * 1000, 1) if verdict["verdict"] == "time_limit" else 0.0
            results[current] = verdict
            outcome["died_at"] = current
        return outcome


def reap(pid, deadline):
    """Waits for the child until the deadline; (None, None) if it is still running then."""
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            return status, usage
        if time.monotonic() > deadline:
            return None, None
        time.sleep(0.002)


def kill_group(pid):
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except OSError:
            pass


def set_subreaper():
    """Orphaned grandchildren are re-parented to the runner, so it can find and reap them."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except Exception:
        pass


def kill_tree(pid, drop_to):
    """Kills the child's process group and every orphan it left (they were re-parented to us)."""
    kill_group(pid)
    owns_uid = drop_to is not None and os.environ.get("SSTAR_RUNNER_OWNS_UID") == "1"
    if owns_uid and os.getpid() == 1:
        # As the sandbox's init, kill(-1) reaches every other process in it, and they are all programs.
        # It spares a helper fork per program, which costs tens of milliseconds under gVisor.
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
    elif owns_uid:
        # Inside its own sandbox the unprivileged uid runs nothing but programs: kill them all.
        helper = os.fork()
        if helper == 0:
            try:
                os.setgid(drop_to)
                os.setuid(drop_to)
                os.kill(-1, signal.SIGKILL)
            except OSError:
                pass
            os._exit(0)
        os.waitpid(helper, 0)
    me = str(os.getpid())
    for _ in range(20):
        orphans = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open("/proc/%s/stat" % entry) as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    if fields[1] == me and fields[0] != "Z":
                        orphans.append(int(entry))
                except (OSError, IndexError):
                    pass
        for orphan in orphans:
            try:
                os.kill(orphan, signal.SIGKILL)
            except OSError:
                pass
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
        if not orphans:
            return
        time.sleep(0.005)


DEFAULT_LIMITS = {
    "time_s": 6.0,
    "memory_bytes": 4 << 30,
    "output_bytes": 16 << 20,
    "file_bytes": 64 << 20,
    "processes": 16,
    "open_files": 256,
}


def validate(job):
    if not isinstance(job.get("program"), str):
        raise ValueError("program must be a string")
    if job.get("kind") not in ("stdin", "call"):
        raise ValueError("kind must be 'stdin' or 'call'")
    if job.get("grader", "lcb") not in ("lcb", "ref"):
        raise ValueError("grader must be 'lcb' or 'ref'")
    if job.get("mode", "grade") not in ("grade", "collect"):
        raise ValueError("mode must be 'grade' or 'collect'")
    if not isinstance(job.get("tests"), list):
        raise ValueError("tests must be a list")
    job.setdefault("grader", "lcb")
    job.setdefault("mode", "grade")
    limits = dict(DEFAULT_LIMITS)
    limits.update(job.get("limits") or {})
    job["limits"] = limits
    for i, test in enumerate(job["tests"]):
        if not isinstance(test, dict) or not isinstance(test.get("input"), str):
            raise ValueError("tests[%d].input must be a string" % i)


def preload():
    """Import what programs commonly use once, before forking: children start warm."""
    import importlib

    for name in (
        "string re datetime collections heapq bisect copy math random statistics itertools functools "
        "operator io json typing decimal fractions array types"
    ).split():
        try:
            importlib.import_module(name)
        except ImportError:
            pass


def main():
    preload()
    scratch_root = os.environ.get("SSTAR_SCRATCH") or tempfile.mkdtemp(prefix="sstar-scratch-")
    os.makedirs(scratch_root, exist_ok=True)
    os.chmod(scratch_root, 0o711)
    if os.environ.get("SSTAR_RUNNER_OWNS_UID") == "1":
        # The sandbox's /tmp is a world-writable tmpfs: what a program left there would outlive its
        # wiped scratch folder, be seen by later programs, and could fill the memory-backed tmpfs.
        os.chmod(os.path.dirname(os.path.abspath(scratch_root)), 0o755)
    runner = Runner(scratch_root)
    out = sys.stdout
    out.write(json.dumps({"ready": True, "python": sys.version.split()[0], "pid": os.getpid()}) + "\n")
    out.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        job_id = None
        try:
            job = json.loads(line)
            del line  # programs are forked from this frame: leave no raw request (expected outputs) in it
            job_id = job.get("id")
            if job.get("op") == "ping":
                response = {"id": job_id, "pong": True}
            else:
                validate(job)
                response = runner.run_job(job)
        except Exception as e:
            response = {"id": job_id, "error": "%s: %s" % (type(e).__name__, e)}
        out.write(json.dumps(response) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
