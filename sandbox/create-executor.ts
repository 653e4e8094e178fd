import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { pythonExecutable, runscExecutable } from "./host-tools";
import { writeOciBundle } from "./oci-bundle";
import { RunnerPool } from "./runner-pool";
import type { RunnerLaunch } from "./runner-process";
import { ExecutorUnavailableError } from "./types";

export type Isolation = "gvisor" | "process" | "auto";

export interface ExecutorOptions {
  /** `gvisor`: local runsc sandboxes. `process`: plain processes, for a pod already under gVisor. */
  isolation?: Isolation;
  /** Allow `process` isolation outside gVisor (warns on every run). */
  unsafe?: boolean;
  poolSize?: number;
  dataDir: string;
}

export const RUNNER_DIR = fileURLToPath(new URL("./runner", import.meta.url));
const RUNNER_SCRIPT = join(RUNNER_DIR, "sstar_runner.py");

/** gVisor reports this fixed kernel release to the programs it runs. */
export function insideGvisor(): boolean {
  try {
    return readFileSync("/proc/version", "utf8").includes("4.4.0 #1 SMP Sun Jan 10 15:06:54 PST 2016");
  } catch {
    return false;
  }
}

export function runscUsable(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync(runscExecutable(), ["--version"], { stdio: "ignore", timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * The executor for this machine: gVisor sandboxes where runsc works; plain processes only where
 * the whole pod is already sandboxed, or when the user explicitly accepts running unsandboxed.
 */
export async function createExecutor(options: ExecutorOptions): Promise<RunnerPool> {
  const requested = options.isolation ?? "auto";
  const size = options.poolSize ?? Math.max(1, availableParallelism());
  const podSandboxed = insideGvisor() || process.env.SSTAR_SANDBOX_IN_POD === "1";
  let isolation: "gvisor" | "process";
  if (requested === "gvisor" || (requested === "auto" && runscUsable())) {
    if (!runscUsable())
      throw new ExecutorUnavailableError(
        "gVisor isolation needs runsc and root; as root run: apt-get install runsc",
      );
    isolation = "gvisor";
  } else if (podSandboxed || options.unsafe) {
    isolation = "process";
  } else {
    throw new ExecutorUnavailableError(
      "refusing to execute model-written programs without a sandbox: runsc (gVisor) is not usable here " +
        "(install it and run as root), or pass --unsafe-no-sandbox to accept the risk",
    );
  }
  const pool =
    isolation === "gvisor"
      ? new RunnerPool({ size, launch: gvisorLauncher(options.dataDir) })
      : new RunnerPool({
          size,
          launch: processLauncher(options.dataDir),
          beforeEachRun: podSandboxed ? undefined : warnUnsandboxed,
        });
  await pool.warm();
  return pool;
}

function warnUnsandboxed(): void {
  console.error(
    "sstar: WARNING: running a model-written program WITHOUT a sandbox (--unsafe-no-sandbox): " +
      "it can read your files and use your network",
  );
}

function processLauncher(dataDir: string): () => RunnerLaunch {
  const scratchRoot = join(dataDir, "sandbox", "scratch");
  return () => {
    const scratch = join(scratchRoot, `${process.pid}-${randomBytes(4).toString("hex")}`);
    mkdirSync(scratch, { recursive: true });
    return {
      command: sandboxPython().python,
      args: ["-I", "-u", RUNNER_SCRIPT],
      env: { PATH: "/usr/local/bin:/usr/bin:/bin", LANG: "C.UTF-8", SSTAR_SCRATCH: scratch },
      isolation: "process",
      cleanup: async () => rmSync(scratch, { recursive: true, force: true }),
    };
  };
}

function gvisorLauncher(dataDir: string): () => RunnerLaunch {
  const base = join(dataDir, "sandbox");
  const stateRoot = join(base, "runsc-state");
  mkdirSync(stateRoot, { recursive: true });
  removeStaleContainers(stateRoot);
  const { python, extraReadOnly } = sandboxPython();
  const bundleDir = writeOciBundle({
    bundleDir: join(base, "bundle"),
    runnerDir: RUNNER_DIR,
    python,
    extraReadOnly,
    tmpBytes: 2 * 1024 ** 3,
  });
  const platform = process.env.SSTAR_RUNSC_PLATFORM;
  return () => {
    const id = `sstar-${process.pid}-${randomBytes(4).toString("hex")}`;
    return {
      command: runscExecutable(),
      args: [
        `--root=${stateRoot}`,
        "--network=none",
        ...(platform ? [`--platform=${platform}`] : []),
        "run",
        "--bundle",
        bundleDir,
        id,
      ],
      env: { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
      isolation: "gvisor",
      cleanup: async () => deleteContainer(stateRoot, id),
    };
  };
}

/** /usr/bin/python3 when the host has it (readable by the unprivileged user); else python3's own install. */
function sandboxPython(): { python: string; extraReadOnly: string[] } {
  const explicit = process.env.SSTAR_SANDBOX_PYTHON;
  if (explicit)
    return {
      python: explicit,
      extraReadOnly: explicit.startsWith("/usr/") ? [] : [dirname(dirname(explicit))],
    };
  if (existsSync("/usr/bin/python3")) return { python: "/usr/bin/python3", extraReadOnly: [] };
  const python = pythonExecutable();
  return { python, extraReadOnly: python.startsWith("/usr/") ? [] : [dirname(dirname(python))] };
}

function deleteContainer(stateRoot: string, id: string): void {
  try {
    execFileSync(runscExecutable(), [`--root=${stateRoot}`, "delete", "--force", id], {
      stdio: "ignore",
      timeout: 10_000,
    });
  } catch {
    // already gone
  }
}

/** Containers left by an sstar process that no longer exists (killed before it could clean up). */
function removeStaleContainers(stateRoot: string): void {
  let listing = "";
  try {
    listing = execFileSync(runscExecutable(), [`--root=${stateRoot}`, "list", "-quiet"], {
      encoding: "utf8",
      timeout: 10_000,
    });
  } catch {
    return;
  }
  for (const id of listing.split("\n").map((l) => l.trim())) {
    const owner = /^sstar-(\d+)-/.exec(id)?.[1];
    if (!owner) continue;
    try {
      process.kill(Number(owner), 0);
    } catch {
      deleteContainer(stateRoot, id);
    }
  }
}
