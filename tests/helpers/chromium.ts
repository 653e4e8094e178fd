/**
 * Headless Chromium for tests: Debian's `chromium` package (installed with apt-get when running as
 * root and no browser is present), run once per call with the flags a container needs.
 */
import { execFile, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

function findChromium(): string | undefined {
  return CANDIDATES.find((path) => existsSync(path));
}

function aptInstallChromium(): void {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = [
    "-o",
    "DPkg::Lock::Timeout=600",
    "install",
    "-y",
    "-q",
    "--no-install-recommends",
    "chromium",
  ];
  try {
    execFileSync("apt-get", install, { env, stdio: ["ignore", "ignore", "pipe"] });
  } catch {
    execFileSync("apt-get", ["-o", "DPkg::Lock::Timeout=600", "update", "-q"], {
      env,
      stdio: ["ignore", "ignore", "pipe"],
    });
    execFileSync("apt-get", install, { env, stdio: ["ignore", "ignore", "pipe"] });
  }
}

/** The Chromium binary, installing Debian's package first when needed (as root). */
export function ensureChromiumInstalled(): string {
  let bin = findChromium();
  if (bin) return bin;
  if (process.getuid?.() !== 0) {
    throw new Error("Chromium is not installed and this is not root: run `apt-get install chromium` as root");
  }
  aptInstallChromium();
  bin = findChromium();
  if (!bin) throw new Error(`apt-get install chromium left no browser at ${CANDIDATES.join(" or ")}`);
  return bin;
}

/** Flags for a headless run in a container: no sandbox (we are root), no GPU, no network chatter. */
export const HEADLESS_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-dev-shm-usage",
  "--no-first-run",
  "--hide-scrollbars",
];

/** Runs Chromium with the headless flags plus `args`; resolves its stdout. */
export function runChromium(
  bin: string,
  args: string[],
  userDataDir: string,
  timeoutMs = 120_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      [...HEADLESS_FLAGS, `--user-data-dir=${userDataDir}`, ...args],
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, HOME: userDataDir } },
      (err, stdout, stderr) => {
        if (err)
          reject(new Error(`chromium ${args.join(" ")} failed: ${err.message}\n${stderr.slice(-3000)}`));
        else resolve(stdout);
      },
    );
  });
}
