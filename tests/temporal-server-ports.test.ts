import { createServer, type Server } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { freePorts } from "../runtime/free-port";
import { EmbeddedTemporalServer } from "../runtime/temporal-server";
import { tempDir } from "./helpers/processes";

describe("the embedded Temporal server's ports", () => {
  let squatter: Server | undefined;
  let server: EmbeddedTemporalServer | undefined;
  afterAll(async () => {
    await server?.stop();
    await new Promise<void>((resolve) => (squatter ? squatter.close(() => resolve()) : resolve()));
  });

  it("starts on fresh ports when another process took one between picking and binding", async () => {
    squatter = createServer();
    await new Promise<void>((resolve) => squatter?.listen(0, "127.0.0.1", () => resolve()));
    const address = squatter.address();
    const taken = typeof address === "object" && address ? address.port : 0;
    let picks = 0;
    server = await EmbeddedTemporalServer.start({
      dataDir: tempDir("ports"),
      pickPorts: async () => {
        picks++;
        const fresh = await freePorts(4);
        if (picks === 1) fresh[1] = taken;
        return fresh;
      },
    });
    expect(picks).toBe(2);
    expect(server.uiUrl).not.toContain(`:${taken}`);
  });
});
