import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The checkout (or installed package) root: where package.json and the .tools folder live. */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** sstar's data folder: run state, the embedded server's state file, logs. */
export function dataDir(explicit?: string): string {
  return resolve(explicit ?? process.env.SSTAR_DATA_DIR ?? ".sstar");
}

/**
 * The Temporal CLI to run the embedded dev server with. TEMPORAL_CLI wins when set (even if it
 * is wrong, so that a typo is reported rather than silently ignored); otherwise the copy the
 * bootstrap built into the project-local tools folder; otherwise whatever is on PATH.
 */
export function temporalCliPath(): { path: string; source: "TEMPORAL_CLI" | "tools folder" | "PATH" } {
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv) return { path: fromEnv, source: "TEMPORAL_CLI" };
  const built = join(projectRoot, ".tools", "bin", "temporal");
  if (existsSync(built)) return { path: built, source: "tools folder" };
  return { path: "temporal", source: "PATH" };
}
