#!/usr/bin/env python3
"""sstar's sandbox runner: executes untrusted programs against tests, one program per process.

It is long-lived: started once inside a gVisor sandbox (or, in a pod already under gVisor, as a
plain process), it reads one JSON request per line on stdin and writes one JSON response per line
on stdout. Each program runs in a child under rlimits, as an unprivileged user when the runner is
root, in a scratch folder that is wiped afterwards, with an empty environment. Children are forked
by a separate fork server (this script with --fork-server), which receives programs and test inputs
but never expected outputs: a program cannot find them in its memory. The child reports raw outputs
over private pipes to the runner, which alone holds expected outputs and grades.

Graders: `lcb` reproduces LiveCodeBench's official testing_util verdict for verdict; `ref`
reproduces the S* reference harness's strict comparison and argument parsing.
Standard library only: it must run on any python3 >= 3.8.
"""

import ast
import gc
import json
import os
import resource
import signal
import socket
import sys
import time
import traceback
from decimal import Decimal, InvalidOperation

NOBODY = 65534
TAIL_BYTES = 2000  # stderr tail and truncated outputs kept in results
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


# Lines that LiveCodeBench's prelude puts before the candidate's own code in the module compiled
# for a call problem; errors are reported at the candidate's line numbers, not the module's.
PROGRAM_LINE_OFFSET = 0


def exec_module(code, line_offset=0):
    import types

    global PROGRAM_LINE_OFFSET
    PROGRAM_LINE_OFFSET = line_offset
    module = types.ModuleType("tmp_sol", "")
    try:
        compiled = compile(code, "<program>", "exec")
    except SyntaxError as e:
        if line_offset and e.lineno is not None and e.lineno > line_offset:
            e.lineno -= line_offset
            if getattr(e, "end_lineno", None) is not None:
                e.end_lineno -= line_offset
        raise
    exec(compiled, module.__dict__)
    return module


class NoEntryPoint(Exception):
    """A call-based program loaded, but it has no function the tests can call."""


def _norm_name(name):
    return name.replace("_", "").lower()


def _positional_capacity(fn):
    """(required, maximum) positional arguments of a callable; maximum None when it takes *args."""
    import inspect

    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return 0, None
    required, maximum = 0, 0
    for p in sig.parameters.values():
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            maximum += 1
            if p.default is p.empty:
                required += 1
        elif p.kind == p.VAR_POSITIONAL:
            return required, None
    return required, maximum


def _takes(fn, arity):
    if arity is None:
        return True
    required, maximum = _positional_capacity(fn)
    return required <= arity and (maximum is None or arity <= maximum)


def _called_names(tree):
    """Names that some function of the program calls (its helpers)."""
    called = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name):
                called.add(f.id)
            elif isinstance(f, ast.Attribute):
                called.add(f.attr)
    return called


def reference_entry_name(code):
    """The reference harness's rule: the last word before the program's first "("."""
    head = code.split("(")[0].split() if "(" in code else []
    return head[-1] if head else ""


def resolve_entry_point(namespace, code, func_name, arity, policy, grader):
    """The function every stage calls for a call-based program, and how it was found.

    `strict` keeps each grader's own rule: LiveCodeBench looks up func_name on a Solution instance
    (when the text has "class Solution") or on the module; the reference takes the last word before
    the first "(" from the module. `resolve` (the default) accepts what either accepts and more,
    in this order, so that a correct program is never lost over its name or its form:
      1. func_name exactly, on Solution then on the module;
      2. a Solution method or module function whose name matches func_name ignoring case and
         underscores (max_sum for maxSum);
      3. among the Solution class's public methods, the one that takes the test's argument count;
      4. among the program's own top-level functions that take that many arguments, the ones no
         other code calls (not helpers); of several, the reference's pick when it is one of them,
         else the last defined.
    Raises NoEntryPoint naming what was looked for and what was found.
    """
    name = func_name or ""
    solution_cls = namespace.get("Solution")
    if not isinstance(solution_cls, type):
        solution_cls = None
    if policy == "strict":
        if grader == "lcb":
            owner = None
            if "class Solution" in code:
                if solution_cls is None:
                    raise NoEntryPoint("the program's text has 'class Solution' but defines no class Solution")
                owner = solution_cls()
            method = getattr(owner, name, None) if owner is not None else namespace.get(name)
            if method is None or not callable(method):
                raise NoEntryPoint("the program defines no function %r" % name)
            return method, "exact"
        ref_name = reference_entry_name(code)
        if not callable(namespace.get(ref_name)):
            raise NoEntryPoint("the reference's rule names %r (the last word before the first '('), which the program does not define as a function" % ref_name)
        return namespace[ref_name], "reference rule"

    instance = None
    methods = []
    if solution_cls is not None:
        try:
            instance = solution_cls()
        except Exception as e:
            raise NoEntryPoint("class Solution could not be instantiated: %s: %s" % (type(e).__name__, e))
        for attr, value in vars(solution_cls).items():
            if attr.startswith("__") or not callable(value) and not isinstance(value, (staticmethod, classmethod)):
                continue
            methods.append((attr, getattr(instance, attr)))
    functions = [
        (n, f)
        for n, f in namespace.items()
        if callable(f)
        and not isinstance(f, type)
        and getattr(getattr(f, "__code__", None), "co_filename", None) == "<program>"
    ]
    # 1. the exact name
    if name:
        for n, f in methods:
            if n == name:
                return f, "exact"
        for n, f in functions:
            if n == name:
                return f, "exact"
        # 2. the name up to case and underscores
        for pool in (methods, functions):
            close = [(n, f) for n, f in pool if _norm_name(n) == _norm_name(name) and _takes(f, arity)]
            if close:
                return close[0][1], "renamed %s" % close[0][0]
    # 3. the one Solution method that takes the arguments
    public = [(n, f) for n, f in methods if not n.startswith("_") and _takes(f, arity)]
    if len(public) == 1:
        return public[0][1], "the Solution method %s" % public[0][0]
    if len(public) > 1:
        try:
            called = _called_names(ast.parse(code))
        except SyntaxError:
            called = set()
        roots = [(n, f) for n, f in public if n not in called]
        if len(roots) == 1:
            return roots[0][1], "the Solution method %s" % roots[0][0]
    # 4. a top-level function
    fitting = [(n, f) for n, f in functions if _takes(f, arity)]
    if fitting:
        try:
            called = _called_names(ast.parse(code))
        except SyntaxError:
            called = set()
        roots = [(n, f) for n, f in fitting if n not in called] or fitting
        # A private-looking name (`_helper`) is a helper even when nothing calls it.
        roots = [(n, f) for n, f in roots if not n.startswith("_")] or roots
        ref_name = reference_entry_name(code)
        for n, f in roots:
            if n == ref_name:
                return f, "top-level function %s" % n
        n, f = roots[-1]
        return f, "top-level function %s" % n
    found = [n for n, _ in methods] + [n for n, _ in functions]
    takes = "a function taking %s argument(s)" % (arity if arity is not None else "the test's")
    wanted = ("%r, or " % name if name else "") + takes
    raise NoEntryPoint(
        "the program defines no function to call: looked for %s, on class Solution or at top level; found %s"
        % (wanted, ", ".join(found) if found else "no functions")
    )


def call_arity(tests):
    """Positional arguments of the first positional call test (its lines), or None."""
    for t in tests:
        if not t.get("keywords"):
            return len(t["input"].split("\n"))
    return None


def compile_program(job):
    """Returns a callable running one test: (test) -> dict of raw results."""
    code, kind, grader = job["program"], job["kind"], job["grader"]
    global PROGRAM_LINE_OFFSET
    PROGRAM_LINE_OFFSET = 0
    policy = job.get("entry_point") or "resolve"
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
            return lambda test: run_stdin_lcb(method, test["input"])
        compiled = compile(code, "<program>", "exec")
        # The reference runs the main guard only when written with double quotes; resolved, any
        # program runs as a script does.
        main_guard = policy != "strict" or '__name__ == "__main__"' in code
        return lambda test: run_stdin_ref(compiled, main_guard, test["input"])
    if grader == "lcb":
        namespace = exec_module(LCB_IMPORTS + "\n\n" + code, LCB_IMPORTS.count("\n") + 2).__dict__
    else:
        namespace = {}
        if policy != "strict":
            # LeetCode's judge provides List, deque, … without imports, and so does LiveCodeBench's
            # prelude; the reference's bare exec does not. Resolved, a program gets that prelude
            # under the reference's grader too, so the graders differ only in how they compare.
            exec(compile(LCB_IMPORTS, "<prelude>", "exec"), namespace)
        exec(compile(code, "<program>", "exec"), namespace)
    fn, _how = resolve_entry_point(namespace, code, job.get("func_name"), call_arity(job["tests"]), policy, grader)
    if grader == "lcb":
        return lambda test: run_call_lcb(fn, test)
    return lambda test: run_call_ref(fn, test)


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


def run_call_lcb(method, test):
    text = test["input"]
    if test.get("keywords"):
        value = method(**json.loads(text))
    else:
        value = method(*[json.loads(line) for line in text.split("\n")])
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


def run_call_ref(fn, test):
    text = test["input"]
    if test.get("keywords"):  # the reference's generated tests: a dict input is passed as kwargs
        value = fn(**json.loads(text))
        return {"value": encode_value(value), "repr": safe_repr(value)}
    if "=" in text:  # the reference splits `a = 1, b = [2]` style inputs on ", " and "="
        args = [ref_parse_arg(part.split("=", 1)[1]) for part in text.replace("\n", ", ").split(", ") if "=" in part]
    else:
        args = [ref_parse_arg(line) for line in text.split("\n")]
    value = fn(*args)
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
        if "tempfile" in sys.modules:
            sys.modules["tempfile"].tempdir = scratch
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
    except NoEntryPoint as e:
        emit({"e": "compile_error", "error": str(e), "no_entry_point": True})
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
            event.update(run_one(tests[i]))
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
    frames = [
        traceback.FrameSummary(f.filename, f.lineno - PROGRAM_LINE_OFFSET, f.name, line="")
        if PROGRAM_LINE_OFFSET and f.lineno and f.lineno > PROGRAM_LINE_OFFSET
        else f
        for f in traceback.extract_tb(e.__traceback__)
        if f.filename == "<program>"
    ]
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


class ForkServerDied(Exception):
    """The fork server is gone: this runner cannot run programs any more (the pool replaces it)."""


class ForkServerClient:
    """The runner's end of the fork server: sends a program with its pipes, hears of the child's pid and exit."""

    def __init__(self, drop_to):
        parent_end, server_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        server_fd = server_end.fileno()
        os.set_inheritable(server_fd, True)
        self.pid = os.fork()
        if self.pid == 0:
            try:
                parent_end.close()
                devnull = os.open(os.devnull, os.O_RDWR)
                os.dup2(devnull, 0)
                os.dup2(devnull, 1)  # stdout is the runner's answer channel: never the server's
                args = [sys.executable, "-I", "-u", os.path.abspath(__file__), "--fork-server", str(server_fd)]
                if drop_to is not None:
                    args += ["--drop-to", str(drop_to)]
                os.execv(sys.executable, args)
            finally:
                os._exit(72)
        server_end.close()
        self.sock = parent_end
        self.pending = b""
        message = self.read_message(None)
        if not message.get("ready"):
            raise ForkServerDied("the fork server did not start: %r" % message)

    def start(self, child_job, fds):
        """Asks for a child running child_job on the given pipe ends; returns its pid."""
        body = json.dumps(child_job).encode()
        send_with_fds(self.sock, len(body).to_bytes(8, "little"), fds)
        self.sock.sendall(body)
        message = self.read_message(None)
        if "pid" not in message:
            raise ForkServerDied("the fork server could not fork: %r" % message)
        return message["pid"]

    def read_message(self, deadline):
        """The next message; None when the deadline passes first (no deadline: wait)."""
        while b"\n" not in self.pending:
            if deadline is not None:
                import select

                timeout = deadline - time.monotonic()
                if timeout <= 0 or not select.select([self.sock], [], [], timeout)[0]:
                    return None
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ForkServerDied("the fork server exited")
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        return json.loads(line)

    def take_buffered(self):
        """A message already read from the socket, if any (without a system call)."""
        if b"\n" not in self.pending:
            return None
        return self.read_message(None)


def send_with_fds(sock, data, fds):
    """socket.send_fds, which Python 3.8 lacks."""
    import array

    sock.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])


def recv_with_fds(sock, size, max_fds):
    """socket.recv_fds, which Python 3.8 lacks."""
    import array

    fds = array.array("i")
    data, ancillary, _, _ = sock.recvmsg(size, socket.CMSG_LEN(max_fds * fds.itemsize))
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - (len(payload) % fds.itemsize)])
    return data, list(fds)


def fork_server_main(server_fd, drop_to):
    """Forks one child per program. It holds programs and inputs, never expected outputs."""
    preload()
    for which in CHILD_RLIMITS:
        HARD_LIMITS[which] = resource.getrlimit(which)[1]
    sock = socket.socket(fileno=server_fd)

    def send(message):
        sock.sendall((json.dumps(message) + "\n").encode())

    def recv_exact(n):
        data = b""
        while len(data) < n:
            chunk = sock.recv(min(n - len(data), 1 << 20))
            if not chunk:
                os._exit(0)
            data += chunk
        return data

    send({"ready": True})
    while True:
        header, fds = recv_with_fds(sock, 8, 3)
        if not header:
            os._exit(0)  # the runner is gone
        if len(header) < 8:
            header += recv_exact(8 - len(header))
        job = json.loads(recv_exact(int.from_bytes(header, "little")))
        if len(fds) != 3:
            send({"error": "expected 3 file descriptors, got %d" % len(fds)})
            for fd in fds:
                os.close(fd)
            continue
        if job["kind"] == "stdin" and job["grader"] == "lcb":
            # Its stdin patches need unittest.mock: imported here once, not in every child. Not
            # preloaded, because the ~90 modules it brings make every later fork slower under gVisor
            # (~20 ms per program), which call-based jobs would pay for nothing.
            import unittest.mock  # noqa: F401
        # A collection in the child would write to every tracked object's header, copying the
        # server's whole heap page by page (copy-on-write faults are costly under gVisor).
        gc.freeze()
        pid = os.fork()
        if pid == 0:
            sock.close()
            result_w, out_w, err_w = fds
            call_with_stack_room(
                lambda: child_main(job, job["start"], result_w, out_w, err_w, job["scratch"], drop_to)
            )
            os._exit(71)
        for fd in fds:
            os.close(fd)
        del job
        send({"pid": pid})
        _, status, usage = os.wait4(pid, 0)
        send({"exit": pid, "status": status, "cpu_ms": (usage.ru_utime + usage.ru_stime) * 1000})


class Runner:
    def __init__(self, scratch_root):
        self.scratch_root = scratch_root
        self.drop_to = NOBODY if os.getuid() == 0 else None
        if os.getpid() != 1:
            set_subreaper()  # as the sandbox's init, orphans come to the runner anyway
        self.server = ForkServerClient(self.drop_to)

    def run_job(self, job):
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
                if outcome.get("no_entry_point"):
                    response["no_entry_point"] = True
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
        import shutil
        import tempfile

        limits = job["limits"]
        scratch = tempfile.mkdtemp(prefix="run-", dir=self.scratch_root)
        if self.drop_to is not None:
            os.chown(scratch, self.drop_to, self.drop_to)
        result_r, result_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        child_job = {
            "program": job["program"],
            "kind": job["kind"],
            "grader": job["grader"],
            "func_name": job.get("func_name"),
            "entry_point": job.get("entry_point"),
            "limits": limits,
            "tests": [{"input": t["input"], "keywords": bool(t.get("keywords"))} for t in job["tests"]],
            "start": start,
            "scratch": scratch,
        }
        pid = None
        try:
            try:
                pid = self.server.start(child_job, [result_w, out_w, err_w])
            finally:
                for fd in (result_w, out_w, err_w):
                    os.close(fd)
            del child_job
            return self.supervise(job, start, pid, result_r, out_r, err_r, results, limits)
        finally:
            if pid is not None:
                kill_tree(pid, self.drop_to, self.server.pid)
            for fd in (result_r, out_r, err_r):
                try:
                    os.close(fd)
                except OSError:
                    pass
            shutil.rmtree(scratch, ignore_errors=True)

    def child_exit(self, pid, deadline):
        """(status, cpu_ms) of the child once the fork server has reaped it; (None, None) past the deadline."""
        message = self.server.read_message(deadline)
        while message is not None and message.get("exit") != pid:
            message = self.server.read_message(deadline)
        if message is None:
            return None, None
        return message["status"], message["cpu_ms"]

    def supervise(self, job, start, pid, result_r, out_r, err_r, results, limits):
        """Reads the child's reports until it finishes, dies, or must be killed; grades as it goes."""
        import selectors

        time_s = limits["time_s"]
        stop_on_failure = job["mode"] == "grade" and job.get("stop_on_failure", True)
        sel = selectors.DefaultSelector()
        for fd in (result_r, out_r, err_r):
            os.set_blocking(fd, False)
            sel.register(fd, selectors.EVENT_READ)
        server_fd = self.server.sock.fileno()
        sel.register(server_fd, selectors.EVENT_READ)
        pending = b""
        stderr_tail = b""
        written = 0  # bytes the program wrote straight to fds 1 and 2
        current = None  # index of the test now running
        compiled = False
        compile_error = None
        no_entry_point = False
        reported_cpu = 0.0
        kill_reason = None  # why the runner ended the child: a verdict, or "stopped" after a failure
        # The clock is read once per wake-up (a clock read is a system call under gVisor), right after
        # the wait, so that deadlines set from it never start before the events that set them.
        now = time.monotonic()
        deadline = now + time_s + 1  # LiveCodeBench's alarm covers loading too
        result_open = True
        # A descendant that inherited the pipes keeps them open after the child is gone, so EOF alone
        # cannot tell that the child died: the fork server reports its exit.
        exited = None  # (status, cpu_ms) once the fork server has reaped the child
        while result_open and kill_reason is None:
            timeout = deadline - now
            if timeout <= 0:
                kill_reason = "time_limit"
                break
            if exited is None:
                message = self.server.take_buffered()
                if message is not None and message.get("exit") == pid:
                    exited = (message["status"], message["cpu_ms"])
            ready = sel.select(0 if exited else timeout)
            now = time.monotonic()
            if exited is not None and not [k for k, _ in ready if k.fd != server_fd]:
                break  # everything the child wrote before exiting has been read
            graded = False  # a test's report was read in this wake-up
            quiet = True  # no output, and too few reports for the child to be waiting on the pipe
            for key, _ in ready:
                if key.fd == server_fd:
                    if exited is None:
                        message = self.server.read_message(None)
                        if message.get("exit") == pid:
                            exited = (message["status"], message["cpu_ms"])
                    continue
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
                        no_entry_point = bool(event.get("no_entry_point"))
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
        if kill_reason is not None and exited is None:
            kill_group(pid)
        status, total_cpu = exited if exited is not None else self.child_exit(pid, deadline)
        if status is None:  # closed its report channel, then hung
            kill_reason = kill_reason or "time_limit"
            kill_group(pid)
            status, total_cpu = self.child_exit(pid, None)
        outcome = {"cpu_ms": max(total_cpu, reported_cpu)}
        if compile_error is not None:
            outcome["compile_error"] = compile_error
            if no_entry_point:
                outcome["no_entry_point"] = True
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


def kill_group(pid):
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except OSError:
            pass


def set_subreaper():
    """Orphaned grandchildren are re-parented to the runner, so it can find and reap them."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except Exception:
        pass


def kill_tree(pid, drop_to, server_pid):
    """Kills the child's process group and every process it left behind; reaps those that were orphaned to us."""
    kill_group(pid)
    owns_uid = drop_to is not None and os.environ.get("SSTAR_RUNNER_OWNS_UID") == "1"
    me = os.getpid()
    spared = {me, server_pid}
    for _ in range(50):
        victims = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) in spared:
                continue
            try:
                if owns_uid:
                    # Inside its own sandbox the unprivileged uid runs nothing but programs.
                    if os.stat("/proc/" + entry).st_uid == drop_to:
                        victims.append(int(entry))
                else:
                    with open("/proc/%s/stat" % entry) as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    if int(fields[1]) == me and fields[0] != "Z":
                        victims.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
        for victim in victims:
            try:
                os.kill(victim, signal.SIGKILL)
            except OSError:
                pass
        reap_orphans(server_pid)
        if not victims:
            return
        time.sleep(0.005)


def reap_orphans(server_pid):
    while True:
        try:
            reaped = os.waitpid(-1, os.WNOHANG)[0]
        except ChildProcessError:
            return
        if reaped == 0:
            return
        if reaped == server_pid:
            raise ForkServerDied("the fork server exited")


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
    if len(sys.argv) > 2 and sys.argv[1] == "--fork-server":
        drop_to = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--drop-to" else None
        fork_server_main(int(sys.argv[2]), drop_to)
        return
    import tempfile

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
            job_id = job.get("id")
            if job.get("op") == "ping":
                response = {"id": job_id, "pong": True}
            else:
                validate(job)
                response = runner.run_job(job)
        except ForkServerDied:
            raise  # this runner is useless now: exit, and the pool replaces it and retries the run
        except Exception as e:
            response = {"id": job_id, "error": "%s: %s" % (type(e).__name__, e)}
        out.write(json.dumps(response) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
