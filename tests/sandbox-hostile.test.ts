import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../runtime/paths";
import { createExecutor } from "../sandbox/create-executor";
import { runscExecutable } from "../sandbox/host-tools";
import type { RunnerPool } from "../sandbox/runner-pool";
import type { ExecutionLimits, ExecutionRequest, ExecutionResult, TestResult } from "../sandbox/types";
import { tempDir } from "./helpers/processes";

// Tight limits keep the suite fast. The time limit is generous except where time is the point,
// so that a loaded machine does not turn another verdict into time_limit.
const TIME_LIMIT_SEC = 2;
const LIMITS: Partial<ExecutionLimits> = {
  timeSec: 10,
  memoryBytes: 512 * 1024 ** 2,
  outputBytes: 1024 ** 2,
  fileBytes: 8 * 1024 ** 2,
  processes: 16,
  openFiles: 64,
};
const NOBODY_UID = 65534;
const SECRET_NAME = "SSTAR_HOSTILE_SECRET";
const SECRET_VALUE = `host-secret-${randomBytes(6).toString("hex")}`;
const UNIQUE = `${process.pid}-${randomBytes(4).toString("hex")}`;

let pool: RunnerPool;
let dataDir: string;
let stateRoot: string;
let sandboxIds: string[];
let hostListener: Server;
let hostListenerPort: number;
let hostConnections = 0;

/** The containers runsc knows under this pool's state root, sorted. */
function runscContainers(): string[] {
  const listing = execFileSync(runscExecutable(), [`--root=${stateRoot}`, "list", "-quiet"], {
    encoding: "utf8",
    timeout: 10_000,
  });
  return listing
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .sort();
}

interface HostProcess {
  pid: number;
  ppid: number;
  uid: number;
  state: string;
  args: string;
}

function hostProcesses(): HostProcess[] {
  const listing = execFileSync("ps", ["-eo", "pid=,ppid=,uid=,stat=,args="], { encoding: "utf8" });
  return listing
    .split("\n")
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line))
    .filter((match) => match !== null)
    .map((m) => ({
      pid: Number(m[1]),
      ppid: Number(m[2]),
      uid: Number(m[3]),
      state: m[4] ?? "",
      args: m[5] ?? "",
    }));
}

/**
 * Live host processes of the sandbox user that are not part of a gVisor sandbox. gVisor's own
 * sandbox process and its ptrace stubs run as nobody on the host, below `runsc-sandbox`; a program
 * that escaped would show up outside that tree. Programs under a plain-process runner belong to
 * other test files running alongside (this file's pool has gVisor runners only).
 */
function strayHostProcesses(): HostProcess[] {
  const all = hostProcesses();
  const byPid = new Map(all.map((p) => [p.pid, p]));
  const accountedFor = (p: HostProcess): boolean => {
    for (let at: HostProcess | undefined = p, hops = 0; at && hops < 64; at = byPid.get(at.ppid), hops++) {
      if (at.args.startsWith("runsc-sandbox") || at.args.includes("sstar_runner.py")) return true;
    }
    return false;
  };
  return all.filter((p) => p.uid === NOBODY_UID && !p.state.startsWith("Z") && !accountedFor(p));
}

function run(request: Omit<ExecutionRequest, "limits">, timeSec = LIMITS.timeSec): Promise<ExecutionResult> {
  return pool.execute({ ...request, limits: { ...LIMITS, timeSec } });
}

/** One stdin test graded under lcb, expecting `done`. */
async function grade(program: string, expected = "done", timeSec = LIMITS.timeSec): Promise<TestResult> {
  const result = await run({ program, kind: "stdin", tests: [{ input: "", expected }] }, timeSec);
  expect(result.isolation).toBe("gvisor");
  expect(result.tests).toHaveLength(1);
  return result.tests[0] as TestResult;
}

/** Runs a probe program in collect mode and returns what it printed. */
async function collect(program: string): Promise<string> {
  const result = await run({ program, kind: "stdin", mode: "collect", tests: [{ input: "" }] });
  const test = result.tests[0] as TestResult;
  expect(test.outcome, test.error).toBe("ok");
  return test.output ?? "";
}

/** Processes of the program user inside each sandbox, seen by a probe running there (itself excluded). */
async function leftoversInSandboxes(): Promise<string[]> {
  const probe = `import os
me = os.getpid()
for entry in os.listdir("/proc"):
    if entry.isdigit() and int(entry) != me:
        try:
            if os.stat("/proc/" + entry).st_uid == ${NOBODY_UID}:
                print(entry, open("/proc/%s/cmdline" % entry, "rb").read()[:80])
        except OSError:
            pass
print("probed")
`;
  // Both runners are idle between tests, so two requests at once reach both sandboxes.
  const outputs = await Promise.all([collect(probe), collect(probe)]);
  for (const output of outputs) expect(output).toContain("probed");
  return outputs.flatMap((o) => o.split("\n").filter((line) => line && line !== "probed"));
}

async function expectHealthy(): Promise<void> {
  const result = await pool.execute({
    program: "print(int(input()) * 2)",
    kind: "stdin",
    tests: [
      { input: "21", expected: "42" },
      { input: "5", expected: "10" },
    ],
  });
  expect(result.tests.map((t) => t.outcome)).toEqual(["passed", "passed"]);
}

beforeAll(async () => {
  // Set before the sandboxes start, so that an inherited environment would carry it.
  process.env[SECRET_NAME] = SECRET_VALUE;
  dataDir = tempDir("hostile");
  stateRoot = join(dataDir, "sandbox", "runsc-state");
  pool = await createExecutor({ isolation: "gvisor", poolSize: 2, dataDir });
  sandboxIds = runscContainers();
  expect(sandboxIds).toHaveLength(2);
  hostListener = createServer((socket) => {
    hostConnections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => hostListener.listen(0, "0.0.0.0", resolve));
  hostListenerPort = (hostListener.address() as { port: number }).port;
});

afterEach(() => {
  // No sandbox died (a dead one would have been replaced under a new id) and nothing escaped.
  expect(runscContainers()).toEqual(sandboxIds);
  expect(strayHostProcesses()).toEqual([]);
});

afterAll(async () => {
  delete process.env[SECRET_NAME];
  await pool?.close();
  await new Promise((resolve) => hostListener?.close(resolve));
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("hostile programs in the gVisor executor", () => {
  it("fork bomb: stopped by the process limit (runtime_error), nothing left running", async () => {
    const test = await grade("import os\nwhile True:\n    os.fork()\n");
    expect(test.outcome).toBe("runtime_error");
    expect(test.error).toMatch(/BlockingIOError|Resource temporarily unavailable/);
    expect(await leftoversInSandboxes()).toEqual([]);
  });

  it("fork bomb that swallows errors in new sessions: time_limit, every fork killed", async () => {
    const started = Date.now();
    const test = await grade(
      "import os\nwhile True:\n    try:\n        if os.fork() == 0:\n            os.setsid()\n    except OSError:\n        pass\n",
      "done",
      TIME_LIMIT_SEC,
    );
    expect(test.outcome).toBe("time_limit");
    expect(Date.now() - started).toBeLessThan(TIME_LIMIT_SEC * 1000 + 4_000);
    expect(await leftoversInSandboxes()).toEqual([]);
  });

  it("memory bomb: memory_limit", async () => {
    const test = await grade("chunks = []\nwhile True:\n    chunks.append(bytearray(10**7))\n");
    expect(test.outcome).toBe("memory_limit");
  });

  it("one huge allocation: memory_limit", async () => {
    expect((await grade("x = ' ' * (10**10)\n")).outcome).toBe("memory_limit");
  });

  it("endless loop: time_limit at the wall limit", async () => {
    const started = Date.now();
    const test = await grade("while True:\n    pass\n", "done", TIME_LIMIT_SEC);
    expect(test.outcome).toBe("time_limit");
    expect(test.wallMs).toBeGreaterThanOrEqual(TIME_LIMIT_SEC * 1000);
    expect(Date.now() - started).toBeLessThan(TIME_LIMIT_SEC * 1000 + 4_000);
  });

  it("sleeping past the wall limit: time_limit with little CPU", async () => {
    const test = await grade("import time\ntime.sleep(30)\nprint('done')\n", "done", TIME_LIMIT_SEC);
    expect(test.outcome).toBe("time_limit");
    expect(test.cpuMs).toBeLessThan(1_000);
  });

  it("stopping itself with SIGSTOP: time_limit", async () => {
    const test = await grade(
      "import os, signal\nos.kill(os.getpid(), signal.SIGSTOP)\n",
      "done",
      TIME_LIMIT_SEC,
    );
    expect(test.outcome).toBe("time_limit");
  });

  it("a daemonized grandchild (double fork + setsid) does not outlive the run or delay it", async () => {
    const started = Date.now();
    const test = await grade(`import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(60)
        os._exit(0)
    os._exit(0)
time.sleep(0.2)
print("done")
`);
    expect(test.outcome).toBe("passed");
    // It holds the program's pipes open; the runner must notice that the program itself has ended
    // rather than wait for the time limit.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await leftoversInSandboxes()).toEqual([]);
  });

  it("a daemonized grandchild, then os._exit(7): runtime_error, not time_limit", async () => {
    const test = await grade(`import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(60)
        os._exit(0)
    os._exit(0)
time.sleep(0.2)
os._exit(7)
`);
    expect(test.outcome).toBe("runtime_error");
    expect(test.error).toContain("code 7");
    expect(await leftoversInSandboxes()).toEqual([]);
  });

  it("a background process started through the shell is killed after the run", async () => {
    const test = await grade(
      "import subprocess\nsubprocess.Popen(['/bin/sh', '-c', 'sleep 60 &'], start_new_session=True).wait()\nprint('done')\n",
    );
    expect(test.outcome).toBe("passed");
    expect(await leftoversInSandboxes()).toEqual([]);
  });

  it("huge output through print: output_limit", async () => {
    expect((await grade("while True:\n    print('x' * 1000)\n")).outcome).toBe("output_limit");
  });

  it("one print larger than the limit: output_limit", async () => {
    expect((await grade("print('x' * (2 * 1024 * 1024))\n")).outcome).toBe("output_limit");
  });

  it("huge output through raw writes to fd 1: output_limit", async () => {
    expect((await grade("import os\nwhile True:\n    os.write(1, b'x' * 65536)\n")).outcome).toBe(
      "output_limit",
    );
  });

  it("flooding stderr: output_limit", async () => {
    expect((await grade("import sys\nwhile True:\n    sys.stderr.write('x' * 65536)\n")).outcome).toBe(
      "output_limit",
    );
  });

  it("closing stdout and stderr: printed answers still count (passed)", async () => {
    expect((await grade("import os\nos.close(1)\nos.close(2)\nprint('done')\n")).outcome).toBe("passed");
  });

  it("closing stdout and stderr, then failing: runtime_error with the traceback", async () => {
    const test = await grade("import os\nos.close(1)\nos.close(2)\nraise ValueError('boom')\n");
    expect(test.outcome).toBe("runtime_error");
    expect(test.error).toContain("ValueError: boom");
  });

  it("deep recursion: runtime_error (RecursionError)", async () => {
    const test = await grade("def f(n):\n    return f(n + 1)\nf(0)\n");
    expect(test.outcome).toBe("runtime_error");
    expect(test.error).toContain("RecursionError");
  });

  it("recursion deep enough to overflow the C stack: runtime_error (SIGSEGV)", async () => {
    const test = await grade(
      "import sys\nsys.setrecursionlimit(10**7)\na = []\nfor _ in range(10**6):\n    a = [a]\nprint(repr(a)[:4])\n",
    );
    expect(test.outcome).toBe("runtime_error");
    expect(test.error).toContain("SIGSEGV");
  });

  it("a segfault through ctypes: runtime_error (SIGSEGV)", async () => {
    const test = await grade("import ctypes\nctypes.string_at(0)\n");
    expect(test.outcome).toBe("runtime_error");
    expect(test.error).toContain("SIGSEGV");
  });

  it("exhausting file descriptors: runtime_error (EMFILE)", async () => {
    const test = await grade(
      "import os\nfds = []\nwhile True:\n    fds.append(os.open('/dev/null', os.O_RDONLY))\n",
    );
    expect(test.outcome).toBe("runtime_error");
    expect(test.error).toContain("Too many open files");
  });

  it("exhausting file descriptors with pipes: runtime_error (EMFILE)", async () => {
    const test = await grade("import os\npipes = []\nwhile True:\n    pipes.append(os.pipe())\n");
    expect(test.outcome).toBe("runtime_error");
    expect(test.error).toContain("Too many open files");
  });

  it("a thread bomb: runtime_error", async () => {
    const test = await grade(
      "import threading, time\nwhile True:\n    threading.Thread(target=time.sleep, args=(30,)).start()\n",
    );
    expect(test.outcome).toBe("runtime_error");
    expect(test.error).toContain("can't start new thread");
    expect(await leftoversInSandboxes()).toEqual([]);
  });

  it("a file larger than the file limit in scratch: runtime_error (EFBIG)", async () => {
    const test = await grade(
      "import os\nfd = os.open('big', os.O_WRONLY | os.O_CREAT)\nwhile True:\n    os.write(fd, b'x' * 1048576)\n",
    );
    expect(test.outcome).toBe("runtime_error");
    expect(test.error).toContain("File too large");
  });

  it("filling scratch with many files: the space comes back after the run", async () => {
    const free =
      "import os\ns = os.statvfs('/tmp')\nprint(s.f_bfree * s.f_frsize, s.f_blocks * s.f_frsize)\n";
    const filled = await collect(
      `import os\nfor i in range(40):\n    fd = os.open('f%d' % i, os.O_WRONLY | os.O_CREAT)\n    os.write(fd, bytes(4 * 1024 * 1024))\n    os.close(fd)\n${free}`,
    );
    const [freeWhileFull, total] = filled.trim().split(" ").map(Number) as [number, number];
    expect(total - freeWhileFull).toBeGreaterThanOrEqual(160 * 1024 ** 2);
    for (const after of await Promise.all([collect(free), collect(free)])) {
      const [freeAfter] = after.trim().split(" ").map(Number) as [number];
      expect(total - freeAfter).toBeLessThan(1024 ** 2);
    }
  });

  it("a syntax error: compile_error", async () => {
    const result = await run({
      program: "def f(:\n    pass\n",
      kind: "stdin",
      tests: [{ input: "", expected: "" }],
    });
    expect(result.tests).toEqual([]);
    expect(result.compileError).toContain("SyntaxError");
  });

  it("sys.exit(3) after the answer: passed (LiveCodeBench treats SystemExit as the end of a stdin program)", async () => {
    expect((await grade("import sys\nprint('done')\nsys.exit(3)\n")).outcome).toBe("passed");
  });

  it("sys.exit(3) before any answer: wrong_answer", async () => {
    expect((await grade("import sys\nsys.exit(3)\nprint('done')\n")).outcome).toBe("wrong_answer");
  });

  it("os._exit(7) after the answer: runtime_error naming the code", async () => {
    const test = await grade("import os\nprint('done')\nos._exit(7)\n");
    expect(test.outcome).toBe("runtime_error");
    expect(test.error).toContain("code 7");
  });

  it("os._exit(0) mid-test: runtime_error", async () => {
    expect((await grade("import os\nos._exit(0)\n")).outcome).toBe("runtime_error");
  });

  it("sys.exit and os._exit inside a call-based method: runtime_error, later tests still graded", async () => {
    const program = `import os, sys
class Solution:
    def f(self, x):
        if x == 1:
            sys.exit(3)
        if x == 2:
            os._exit(7)
        return x
`;
    const result = await pool.execute({
      program,
      kind: "call",
      funcName: "f",
      stopOnFailure: false,
      tests: ["0", "1", "2", "3"].map((x) => ({ input: x, expected: x })),
      limits: LIMITS,
    });
    expect(result.tests.map((t) => t.outcome)).toEqual([
      "passed",
      "runtime_error",
      "runtime_error",
      "passed",
    ]);
  });

  it("does not see the host's environment", async () => {
    const output = await collect(`import os
print(dict(os.environ))
for path in ("/proc/self/environ", "/proc/1/environ"):
    try:
        print(path, open(path, "rb").read())
    except OSError as e:
        print(path, type(e).__name__)
`);
    expect(output).toContain("PATH");
    expect(output).not.toContain(SECRET_VALUE);
    expect(output).not.toContain(SECRET_NAME);
  });

  it("cannot read files outside its scratch folder", async () => {
    const thisFile = fileURLToPath(import.meta.url);
    const paths = [
      join(projectRoot, "package.json"),
      thisFile,
      "/root",
      "/etc/shadow",
      "/work/shared/data",
      "/work/shared/data/README.md",
      join(dataDir, "sandbox", "bundle", "config.json"),
      "/proc/1/root/etc/hostname",
      "/proc/1/mem",
      "/tmp/scratch",
    ];
    const output = await collect(`import os
for path in ${JSON.stringify(paths)}:
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            fd = os.open(path, os.O_RDONLY)
            os.read(fd, 1)
        print(path, "READ")
    except FileNotFoundError:
        print(path, "missing")
    except PermissionError:
        print(path, "denied")
print(os.read(os.open("/etc/passwd", os.O_RDONLY), 4096).decode())
`);
    for (const path of paths) expect(output).toMatch(new RegExp(`^${path} (missing|denied)$`, "m"));
    // The sandbox's /etc is sstar's skeleton, not the host's.
    expect(output).toContain("root:x:0:0:root:/tmp:/bin/false");
    expect(output).not.toContain("/root:");
  });

  it("cannot write outside its scratch folder; nothing appears on the host", async () => {
    const hostPaths = [`/tmp/sstar-hostile-${UNIQUE}`, join(dataDir, `escape-${UNIQUE}`)];
    const paths = [
      "/usr/escape",
      "/sstar/escape",
      "/escape",
      "/etc/escape",
      "/tmp/escape",
      "/tmp/scratch/escape",
      "/dev/shm/escape",
      "/proc/escape",
      ...hostPaths,
    ];
    const output = await collect(`import os
for path in ${JSON.stringify(paths)}:
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o644))
        print(path, "WROTE")
    except FileNotFoundError:
        print(path, "missing")
    except OSError as e:
        print(path, "denied", type(e).__name__)
os.close(os.open("mine", os.O_WRONLY | os.O_CREAT, 0o644))
print("scratch", os.path.abspath("mine"))
`);
    for (const path of paths) expect(output).toMatch(new RegExp(`^${path} (missing|denied)`, "m"));
    for (const path of hostPaths) expect(existsSync(path)).toBe(false);
    // Its own scratch file is gone afterwards, in both sandboxes.
    const mine = /^scratch (\S+)$/m.exec(output)?.[1] as string;
    expect(mine).toMatch(/^\/tmp\/scratch\/run-/);
    for (const later of await Promise.all([
      collect(`import os\nprint(os.path.exists(${JSON.stringify(mine)}), os.listdir("/tmp"))`),
      collect(`import os\nprint(os.path.exists(${JSON.stringify(mine)}), os.listdir("/tmp"))`),
    ])) {
      expect(later.trim()).toBe("False ['scratch']");
    }
  });

  it("cannot open a network connection, to the internet or to the host", async () => {
    const hostAddresses = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && a.family === "IPv4")
      .map((a) => a?.address as string);
    const targets = [["1.1.1.1", 53], ...hostAddresses.map((a) => [a, hostListenerPort])];
    const output = await collect(`import socket
for host, port in ${JSON.stringify(targets)}:
    try:
        socket.create_connection((host, port), timeout=1).close()
        print(host, "CONNECTED")
    except OSError as e:
        print(host, "blocked", type(e).__name__)
try:
    socket.getaddrinfo("example.com", 80)
    print("dns RESOLVED")
except OSError as e:
    print("dns blocked", type(e).__name__)
`);
    expect(output).not.toContain("CONNECTED");
    expect(output).not.toContain("RESOLVED");
    expect(output.match(/ blocked /g)).toHaveLength(targets.length + 1);
    expect(hostConnections).toBe(0);
  });

  it.each([
    ["killing its parent", "runtime_error", "import os\nos.kill(os.getppid(), 9)\nprint('done')\n"],
    ["killing pid 1", "runtime_error", "import os\nos.kill(1, 9)\nprint('done')\n"],
    ["killing every process it can", "runtime_error", "import os\nos.kill(-1, 9)\nprint('done')\n"],
    [
      "killing the runner's process group",
      "runtime_error",
      "import os\nos.killpg(os.getpgid(1), 9)\nprint('done')\n",
    ],
    ["killing its own process group", "runtime_error", "import os\nos.killpg(0, 9)\nprint('done')\n"],
    [
      "stopping its parent",
      "runtime_error",
      "import os, signal\nos.kill(os.getppid(), signal.SIGSTOP)\nprint('done')\n",
    ],
  ])("%s: %s, and the sandbox answers the next request", async (_name, verdict, program) => {
    expect((await grade(program)).outcome).toBe(verdict);
    await expectHealthy();
    await expectHealthy();
  });

  it("ptrace on the runner fails", async () => {
    const output = await collect(
      "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nprint(libc.ptrace(16, 1, 0, 0), ctypes.get_errno())\n",
    );
    expect(output.trim().split(" ")[0]).toBe("-1");
  });

  it("becoming root fails: runtime_error (PermissionError)", async () => {
    const test = await grade("import os\nos.setuid(0)\nprint('done')\n");
    expect(test.outcome).toBe("runtime_error");
    expect(test.error).toContain("PermissionError");
  });

  it("reading expected outputs out of the runner's memory: wrong_answer", async () => {
    const secretAnswer = `answer-${randomBytes(6).toString("hex")}`;
    const program = `import gc, sys
found = []
for o in gc.get_objects():
    if isinstance(o, dict) and "tests" in o and "program" in o:
        found += [t.get("expected") for t in o["tests"] if isinstance(t, dict) and t.get("expected")]
frame = sys._getframe()
while frame:
    for value in frame.f_locals.values():
        if isinstance(value, str) and "expected" in value:
            found.append(value)
    frame = frame.f_back
print(found[0] if found else "nothing")
`;
    const test = await grade(program, secretAnswer);
    expect(test.outcome).toBe("wrong_answer");
    expect(test.output).not.toContain(secretAnswer);
  });

  it("an object that claims to equal anything: wrong_answer", async () => {
    const program = `class Solution:
    def f(self, x):
        class Anything:
            def __eq__(self, other):
                return True
            __hash__ = object.__hash__
        return Anything()
`;
    const result = await pool.execute({
      program,
      kind: "call",
      funcName: "f",
      tests: [{ input: "1", expected: "[1, 2, 3]" }],
      limits: LIMITS,
    });
    expect(result.tests[0]?.outcome).toBe("wrong_answer");
  });

  it("a huge return value: output_limit", async () => {
    const result = await pool.execute({
      program: "class Solution:\n    def f(self, x):\n        return list(range(10**6))\n",
      kind: "call",
      funcName: "f",
      tests: [{ input: "1", expected: "[]" }],
      limits: LIMITS,
    });
    expect(result.tests[0]?.outcome).toBe("output_limit");
  });

  it("printing unpaired surrogates: wrong_answer, and the channel to the runner survives", async () => {
    expect((await grade("print('\\udcff done')\n")).outcome).toBe("wrong_answer");
  });

  it("after the suite: no stray process, only the pool's sandboxes, and correct answers", async () => {
    expect(await leftoversInSandboxes()).toEqual([]);
    expect(strayHostProcesses()).toEqual([]);
    expect(runscContainers()).toEqual(sandboxIds);
    const ours = hostProcesses().filter(
      (p) => p.args.startsWith("runsc-sandbox") && p.args.includes(stateRoot) && !p.state.startsWith("Z"),
    );
    expect(ours).toHaveLength(2);
    await expectHealthy();
    const call = await pool.execute({
      program:
        "class Solution:\n    def twoSum(self, nums, target):\n        seen = {}\n        for i, x in enumerate(nums):\n            if target - x in seen:\n                return [seen[target - x], i]\n            seen[x] = i\n",
      kind: "call",
      funcName: "twoSum",
      tests: [
        { input: "[2,7,11,15]\n9", expected: "[0, 1]" },
        { input: "[3,2,4]\n6", expected: "[1, 2]" },
      ],
    });
    expect(call.tests.map((t) => t.outcome)).toEqual(["passed", "passed"]);
  });
});
