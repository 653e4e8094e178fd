import type { ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunSummary } from "../method/run-summary";
import { projectRoot } from "../runtime/paths";
import { killHard, startSimulatorProcess, tempDir } from "./helpers/processes";
import { jsonOutput, runSstar } from "./helpers/sstar-cli";

const demoProblems = join(projectRoot, "demo", "demo-problems.jsonl");

/**
 * In front of the real simulator: the model list passes (so the check before the run passes), but
 * every completion is refused with 401, as when a key is revoked while a run is under way.
 */
function revokedKeyProxy(target: string): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req, res) => {
    if (req.method === "GET" && req.url?.endsWith("/models")) {
      const answer = await fetch(`${target}/models`);
      res.writeHead(answer.status, { "content-type": "application/json" });
      res.end(await answer.text());
      return;
    }
    req.resume();
    res.writeHead(401, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        error: {
          message: "Incorrect API key provided",
          type: "invalid_request_error",
          code: "invalid_api_key",
        },
      }),
    );
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      resolve({ server, url: `http://127.0.0.1:${port}/v1` });
    }),
  );
}

describe("an endpoint that starts refusing the run while it runs", () => {
  const dir = tempDir("endpoint-refused");
  let sim: { child: ChildProcess; url: string } | undefined;
  let proxy: { server: Server; url: string } | undefined;
  let result: Awaited<ReturnType<typeof runSstar>>;
  let summary: RunSummary;

  beforeAll(async () => {
    sim = await startSimulatorProcess(dir, demoProblems, { seed: 3 });
    proxy = await revokedKeyProxy(sim.url);
    result = await runSstar(["--data-dir", dir, "run", "demo", "--endpoint", proxy.url, "--json"], {
      TEMPORAL_ADDRESS: undefined,
    });
    summary = jsonOutput<RunSummary>(result);
  }, 300_000);
  afterAll(async () => {
    proxy?.server.close();
    if (sim) await killHard(sim.child);
  });

  it("stops starting problems at the first refusal and exits 1 in a few lines", () => {
    expect(result.code, result.stderr.slice(-2000)).toBe(1);
    expect(summary.problems).toBe(10);
    expect(summary.errored).toBe(10);
    const notStarted = summary.errors.filter((e) => e.stage === "not started");
    // The window's first problems ran into the refusal; the rest never started.
    expect(notStarted.length).toBeGreaterThan(0);
    for (const e of summary.errors) expect(e.error_class).toBe("EndpointRefused");
    expect(notStarted[0]?.message).toMatch(/^the run stopped when \S+ met: .*401/);
    expect(result.stderr.trim().split("\n").length, result.stderr).toBeLessThan(30);
  });
});
