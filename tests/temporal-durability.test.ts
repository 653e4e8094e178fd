import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client, Connection } from "@temporalio/client";
import { DefaultLogger, NativeConnection, Runtime, Worker } from "@temporalio/worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmbeddedTemporalServer } from "../runtime/temporal-server";
import * as activities from "./fixtures/durability/activities";
import { proceedSignal, twoStepWorkflow, waitForSignalWorkflow } from "./fixtures/durability/workflows";
import { killHard, startTsProcess, tempDir, waitFor } from "./helpers/processes";

const WORKER_SCRIPT = "tests/fixtures/durability/worker-process.ts";
const WORKFLOWS_PATH = fileURLToPath(new URL("./fixtures/durability/workflows.ts", import.meta.url));

Runtime.install({ logger: new DefaultLogger("WARN") });

async function clientFor(server: EmbeddedTemporalServer): Promise<Client> {
  return new Client({ connection: await Connection.connect({ address: server.address }) });
}

describe("a worker killed with SIGKILL between two activities", () => {
  let server: EmbeddedTemporalServer;
  let client: Client;
  beforeAll(async () => {
    server = await EmbeddedTemporalServer.start({ dataDir: tempDir("durability") });
    client = await clientFor(server);
  });
  afterAll(async () => {
    await client?.connection.close();
    await server?.stop();
  });

  it("is replaced by a new worker that completes the workflow without re-running the first activity", async () => {
    const marker = join(tempDir("marker"), "steps.log");
    const env = {
      TEMPORAL_ADDRESS: server.address,
      SSTAR_TEST_MARKER: marker,
      SSTAR_TASK_QUEUE: "durability",
    };
    const first = await startTsProcess(WORKER_SCRIPT, env, "worker ready");
    const handle = await client.workflow.start(twoStepWorkflow, {
      taskQueue: "durability",
      workflowId: "two-step",
    });

    // Wait until the server has recorded the first activity's completion, then kill the worker.
    await waitFor(async () => {
      const history = await handle.fetchHistory();
      return history.events?.some((e) => e.activityTaskCompletedEventAttributes) ? true : undefined;
    });
    await killHard(first);
    await handle.signal(proceedSignal, "go");

    const second = await startTsProcess(WORKER_SCRIPT, env, "worker ready");
    try {
      const result = await handle.result();
      const lines = readFileSync(marker, "utf8").trim().split("\n");
      expect(lines.filter((l) => l.startsWith("first "))).toEqual([`first ${first.pid}`]);
      expect(lines.filter((l) => l.startsWith("second "))).toEqual([`second ${second.pid}`]);
      expect(result).toEqual([`first by ${first.pid}`, `second by ${second.pid}`]);
    } finally {
      await killHard(second);
    }
  });
});

describe("the embedded server's state file", () => {
  it("keeps a waiting workflow across a server stop and start", async () => {
    const dataDir = tempDir("state");
    const workflowId = "waits-for-signal";

    const before = await EmbeddedTemporalServer.start({ dataDir });
    let client = await clientFor(before);
    let connection = await NativeConnection.connect({ address: before.address });
    let worker = await Worker.create({
      connection,
      taskQueue: "state",
      workflowsPath: WORKFLOWS_PATH,
      activities,
    });
    await worker.runUntil(async () => {
      const handle = await client.workflow.start(waitForSignalWorkflow, { taskQueue: "state", workflowId });
      // Let the first workflow task complete so the workflow is genuinely parked on its condition.
      await waitFor(async () => {
        const history = await handle.fetchHistory();
        return history.events?.some((e) => e.workflowTaskCompletedEventAttributes) ? true : undefined;
      });
    });
    await connection.close();
    await client.connection.close();
    await before.stop();
    expect(existsSync(join(dataDir, "temporal.db"))).toBe(true);

    const after = await EmbeddedTemporalServer.start({ dataDir });
    try {
      client = await clientFor(after);
      connection = await NativeConnection.connect({ address: after.address });
      worker = await Worker.create({
        connection,
        taskQueue: "state",
        workflowsPath: WORKFLOWS_PATH,
        activities,
      });
      const handle = client.workflow.getHandle(workflowId);
      const result = await worker.runUntil(async () => {
        await handle.signal(proceedSignal, "after restart");
        return handle.result();
      });
      expect(result).toBe("received after restart");
      await connection.close();
      await client.connection.close();
    } finally {
      await after.stop();
    }
  });
});
