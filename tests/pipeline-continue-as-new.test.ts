import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client, Connection } from "@temporalio/client";
import { describe, expect, it } from "vitest";
import type { RunSummary } from "../method/run-summary";
import { EmbeddedTemporalServer } from "../runtime/temporal-server";
import { tempDir } from "./helpers/processes";
import { jsonOutput, runSstar } from "./helpers/sstar-cli";

describe("a run longer than one workflow history", () => {
  it("continues as new and still finishes every problem", async () => {
    const dataDir = tempDir("can");
    const config = join(dataDir, "run.json");
    writeFileSync(
      config,
      JSON.stringify({
        name: "continue-as-new",
        dataset: { path: "demo", limit: 3 },
        endpoints: { sim: { baseUrl: "sim://builtin/v1" } },
        roles: { generator: { endpoint: "sim", model: "sstar-sim-coder" } },
        budget: { n: 2, rounds: 1 },
        selection: [{ method: "first" }],
        limits: { timeSec: 2 },
        window: 1,
      }),
    );
    const result = await runSstar(["--data-dir", dataDir, "run", config, "--json"], {
      TEMPORAL_ADDRESS: undefined,
      SSTAR_CHILDREN_PER_HISTORY: "1",
    });
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    const summary = jsonOutput<RunSummary>(result);
    expect(summary.problems).toBe(3);

    const server = await EmbeddedTemporalServer.start({ dataDir });
    try {
      const client = new Client({ connection: await Connection.connect({ address: server.address }) });
      const statuses: string[] = [];
      for await (const run of client.workflow.list({ query: `WorkflowId = 'sstar-run-${summary.run_id}'` })) {
        statuses.push(run.status.name);
      }
      await client.connection.close();
      // One history per problem: two continued as new, the last one completed.
      expect(statuses.sort()).toEqual(["COMPLETED", "CONTINUED_AS_NEW", "CONTINUED_AS_NEW"]);
    } finally {
      await server.stop();
    }
  }, 600_000);
});
