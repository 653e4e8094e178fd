import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunSummary } from "../method/run-summary";
import { SeededRandom } from "../method/seeded-random";
import { projectRoot } from "../runtime/paths";
import { EmbeddedTemporalServer } from "../runtime/temporal-server";
import type { RequestLogEntry } from "../simulator/request-log";
import { killHard, startTsProcess, tempDir } from "./helpers/processes";
import { jsonOutput, runSstar } from "./helpers/sstar-cli";

const LEETCODE = join(projectRoot, "..", "shared", "data", "leetcode", "leetcode_dev100.jsonl");
const PROBLEMS = 6;
const WINDOW = 3;
const N = 4;

/** Starts `sstar sim` and resolves with its base URL (the first line it prints). */
async function startSimulator(
  dataDir: string,
  problems: string,
  log: string,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [
      "bin/sstar.js",
      "--data-dir",
      dataDir,
      "sim",
      "--port",
      "0",
      "--problems",
      problems,
      "--seed",
      "7",
      "--log",
      log,
    ],
    { cwd: projectRoot, stdio: ["ignore", "pipe", "pipe"] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    let err = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n")[0] ?? "";
      if (out.includes("\n") && line.startsWith("http")) resolve(line.trim());
    });
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.once("exit", (code) => reject(new Error(`sstar sim exited with ${code}: ${err.slice(-2000)}`)));
  });
  return { child, url };
}

function readLog(file: string): RequestLogEntry[] {
  return readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as RequestLogEntry);
}

describe("a run whose worker is killed three times", () => {
  const base = tempDir("preempt");
  const problemsFile = join(base, "problems.jsonl");
  const simLog = join(base, "sim-requests.jsonl");
  let simulator: { child: ChildProcess; url: string };
  let configFile: string;

  beforeAll(async () => {
    writeFileSync(
      problemsFile,
      `${readFileSync(LEETCODE, "utf8").trim().split("\n").slice(0, PROBLEMS).join("\n")}\n`,
    );
    simulator = await startSimulator(join(base, "sim-data"), problemsFile, simLog);
    configFile = join(base, "run.json");
    writeFileSync(
      configFile,
      JSON.stringify({
        name: "preempt",
        dataset: { path: problemsFile },
        endpoints: { sim: { baseUrl: simulator.url, concurrency: 32 } },
        roles: { generator: { endpoint: "sim", model: "sstar-sim", sampling: { temperature: 0.7 } } },
        budget: { n: N, rounds: 2 },
        selection: [{ method: "sstar" }, { method: "first" }],
        limits: { timeSec: 3 },
        window: WINDOW,
        seed: 7,
      }),
    );
  });
  afterAll(async () => {
    if (simulator) await killHard(simulator.child);
  });

  it("completes with the results of an uninterrupted run, asking again only for what was in flight", async () => {
    const reference = await runSstar(["--data-dir", join(base, "reference"), "run", configFile, "--json"], {
      TEMPORAL_ADDRESS: undefined,
    });
    expect(reference.code, reference.stderr.slice(-3000)).toBe(0);
    const expected = jsonOutput<RunSummary>(reference);
    const requestsBefore = readLog(simLog).length;

    const dataDir = join(base, "preempted");
    // Same execution verdicts as the reference: only preemption may differ between the two runs.
    cpSync(join(base, "reference", "cache", "exec"), join(dataDir, "cache", "exec"), { recursive: true });
    const server = await EmbeddedTemporalServer.start({ dataDir });
    const env = { TEMPORAL_ADDRESS: server.address, SSTAR_DATA_DIR: dataDir };
    const startWorker = () =>
      startTsProcess("bin/sstar.js", env, "worker polling", 120_000, ["--data-dir", dataDir, "worker"]);
    let worker: ChildProcess | undefined;
    try {
      worker = await startWorker();
      const running = runSstar(["--data-dir", dataDir, "run", configFile, "--no-worker", "--json"], env);
      const rng = new SeededRandom("preemption");
      let kills = 0;
      for (; kills < 3; kills++) {
        await new Promise((r) => setTimeout(r, 3_000 + rng.int(6_000)));
        await killHard(worker);
        worker = await startWorker();
      }
      const result = await running;
      expect(result.code, result.stderr.slice(-3000)).toBe(0);
      const actual = jsonOutput<RunSummary>(result);
      expect(actual.methods).toEqual(expected.methods);
      expect(actual.oracle).toEqual(expected.oracle);
      const results = (dir: string) =>
        readFileSync(join(dir, "runs", expected.run_id, "results.jsonl"), "utf8")
          .trim()
          .split("\n")
          .map((l) => {
            const { usage: _usage, ...rest } = JSON.parse(l) as Record<string, unknown>;
            return rest;
          });
      expect(results(dataDir)).toEqual(results(join(base, "reference")));

      // Only requests in flight at a kill may be asked again: at most the window's problems' worth each time.
      const entries = readLog(simLog).slice(requestsBefore);
      const seen = new Map<string, number>();
      for (const e of entries) seen.set(e.content_hash, (seen.get(e.content_hash) ?? 0) + 1);
      const repeated = [...seen.values()].reduce((sum, count) => sum + count - 1, 0);
      expect(repeated).toBeLessThanOrEqual(kills * WINDOW * N);
    } finally {
      if (worker) await killHard(worker);
      await server.stop();
    }
  }, 900_000);
});
