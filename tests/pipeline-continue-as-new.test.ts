import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client, Connection } from "@temporalio/client";
import { describe, expect, it } from "vitest";
import type { ProblemOutcome } from "../method/pipeline-records";
import type { RunSummary } from "../method/run-summary";
import { EmbeddedTemporalServer } from "../runtime/temporal-server";
import { tempDir } from "./helpers/processes";
import { jsonOutput, runSstar } from "./helpers/sstar-cli";

describe("a run longer than one workflow history, with the generated-tests baseline", () => {
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
        budget: { n: 4, rounds: 1 },
        selection: [{ method: "first" }, { method: "generated_tests" }],
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
    expect(Object.keys(summary.methods).sort()).toEqual(["first", "generated_tests"]);

    // The generated-tests baseline evaluated the simulator's three timeout-input expressions in the sandbox.
    const outcomes = readFileSync(join(dataDir, "runs", summary.run_id, "results.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as ProblemOutcome);
    const timeoutInputs = outcomes.map((o) => {
      const ref = o.methods.find((m) => m.label === "generated_tests")?.recordRef ?? "";
      const hex = ref.slice("sha256:".length);
      const record = JSON.parse(readFileSync(join(dataDir, "store", hex.slice(0, 2), hex.slice(2)), "utf8"));
      return (record.tests?.timeoutInputs as string[] | undefined)?.length ?? 0;
    });
    // Asked only where two or more samples pass the public tests, as in the reference.
    expect(timeoutInputs).toContain(3);

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
