import { describe, expect, it } from "vitest";
import { EmbeddedTemporalServer } from "../runtime/temporal-server";
import { startTsProcess, tempDir } from "./helpers/processes";

describe("sstar worker", () => {
  it("drains and exits 0 on SIGTERM, as Kubernetes stops a pod before preemption", async () => {
    const dataDir = tempDir("worker-term");
    const server = await EmbeddedTemporalServer.start({ dataDir });
    try {
      const worker = await startTsProcess(
        "bin/sstar.js",
        { TEMPORAL_ADDRESS: server.address },
        "worker polling",
        120_000,
        ["--data-dir", dataDir, "worker"],
      );
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        worker.once("exit", (code, signal) => resolve({ code, signal })),
      );
      const started = Date.now();
      worker.kill("SIGTERM");
      expect(await exited).toEqual({ code: 0, signal: null });
      // Within the shutdown grace time (20 s) plus start-up slack.
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      await server.stop();
    }
  });

  it("refuses to start without a server, saying what to do", async () => {
    const dataDir = tempDir("worker-none");
    await expect(
      startTsProcess("bin/sstar.js", { TEMPORAL_ADDRESS: "" }, "worker polling", 60_000, [
        "--data-dir",
        dataDir,
        "worker",
      ]),
    ).rejects.toThrow(/no Temporal server: set TEMPORAL_ADDRESS, or start one with `sstar server`/);
  });
});
