import { existsSync, lstatSync, mkdirSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export const RUNNER_DIR_IN_SANDBOX = "/sstar";

export interface BundleOptions {
  /** Folder for the bundle (config.json and the root skeleton). */
  bundleDir: string;
  /** Host folder holding sstar_runner.py, mounted read-only. */
  runnerDir: string;
  /** The python executable inside the sandbox (a host path, visible through a read-only mount). */
  python: string;
  /** Host folders to expose read-only at the same path (e.g. a python installed outside /usr). */
  extraReadOnly: string[];
  /** Size of the sandbox's private /tmp (scratch folders live there). */
  tmpBytes: number;
}

/**
 * An OCI bundle whose root holds only what Python needs: /usr (read-only), the runner, and a
 * private tmpfs. The host's files, environment and network stay outside; `runsc do` would instead
 * show the whole host filesystem.
 */
export function writeOciBundle(options: BundleOptions): string {
  const rootfs = join(options.bundleDir, "rootfs");
  for (const dir of ["usr", "tmp", "proc", "dev", "sys", "etc", RUNNER_DIR_IN_SANDBOX.slice(1)]) {
    mkdirSync(join(rootfs, dir), { recursive: true });
  }
  const mounts: object[] = [
    { destination: "/proc", type: "proc", source: "proc" },
    {
      destination: "/tmp",
      type: "tmpfs",
      source: "tmpfs",
      options: ["nosuid", "nodev", `size=${options.tmpBytes}`],
    },
    { destination: "/usr", type: "bind", source: "/usr", options: ["rbind", "ro"] },
    { destination: RUNNER_DIR_IN_SANDBOX, type: "bind", source: options.runnerDir, options: ["rbind", "ro"] },
  ];
  // Merged-/usr systems link /bin, /lib, ... into /usr; others keep real folders to mount.
  for (const top of ["bin", "sbin", "lib", "lib32", "lib64", "libx32"]) {
    const host = `/${top}`;
    if (!existsSync(host)) continue;
    const inRoot = join(rootfs, top);
    if (lstatSync(host).isSymbolicLink()) {
      linkOnce(readlinkSync(host), inRoot);
    } else {
      mkdirSync(inRoot, { recursive: true });
      mounts.push({ destination: host, type: "bind", source: host, options: ["rbind", "ro"] });
    }
  }
  for (const path of options.extraReadOnly) {
    mkdirSync(join(rootfs, path), { recursive: true });
    mounts.push({ destination: path, type: "bind", source: path, options: ["rbind", "ro"] });
  }
  writeFileSync(
    join(rootfs, "etc", "passwd"),
    "root:x:0:0:root:/tmp:/bin/false\nnobody:x:65534:65534:nobody:/tmp:/bin/false\n",
  );
  writeFileSync(join(rootfs, "etc", "group"), "root:x:0:\nnogroup:x:65534:\n");
  const config = {
    ociVersion: "1.0.0",
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: [options.python, "-I", "-u", `${RUNNER_DIR_IN_SANDBOX}/sstar_runner.py`],
      env: [
        "PATH=/usr/local/bin:/usr/bin:/bin",
        "LANG=C.UTF-8",
        "HOME=/tmp",
        "PYTHONDONTWRITEBYTECODE=1",
        "SSTAR_SCRATCH=/tmp/scratch",
        // Inside its own sandbox the runner may kill every process of the unprivileged uid.
        "SSTAR_RUNNER_OWNS_UID=1",
      ],
      cwd: "/tmp",
      capabilities: {
        bounding: CAPABILITIES,
        effective: CAPABILITIES,
        permitted: CAPABILITIES,
      },
      noNewPrivileges: true,
    },
    root: { path: rootfs, readonly: true },
    hostname: "sandbox",
    mounts,
    linux: {
      namespaces: [{ type: "pid" }, { type: "network" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }],
    },
  };
  mkdirSync(dirname(join(options.bundleDir, "config.json")), { recursive: true });
  writeFileSync(join(options.bundleDir, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
  return options.bundleDir;
}

// What the runner needs as root inside: drop to nobody, chown scratch folders, kill strays.
const CAPABILITIES = ["CAP_SETUID", "CAP_SETGID", "CAP_CHOWN", "CAP_KILL", "CAP_DAC_OVERRIDE", "CAP_FOWNER"];

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * Creates the link unless it is there already: two sstar processes sharing a data folder may write
 * the bundle at the same moment, and the one that loses the race finds the other's identical link.
 */
function linkOnce(target: string, path: string): void {
  try {
    symlinkSync(target, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    if (!isSymlink(path) || readlinkSync(path) !== target)
      throw new Error(`${path} exists and is not a link to ${target}: remove the sandbox folder and retry`);
  }
}
