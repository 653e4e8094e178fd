import { readFileSync } from "node:fs";
import type { TLSConfig } from "@temporalio/client";
import { EmbeddedTemporalServer, runningServerRecord, stopOrphanedServer } from "./temporal-server";

/** Where sstar's client and workers connect, and how. Accepted by both Connection and NativeConnection. */
export interface TemporalTarget {
  address: string;
  namespace: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
  /** The Web UI, when known (always for the embedded server). */
  uiUrl?: string;
  kind: "external" | "embedded (joined)" | "embedded (started)";
  /** Stops the embedded server if this target started it; otherwise does nothing. */
  release(): Promise<void>;
}

/**
 * Resolves the Temporal server to use: TEMPORAL_ADDRESS (with TEMPORAL_NAMESPACE and the TLS
 * variables the Temporal CLI also reads) when set; else an embedded server already running on
 * this data folder; else a new embedded server, which `release` stops.
 */
export async function openTemporalTarget(dataDir: string): Promise<TemporalTarget> {
  const env = process.env;
  if (env.TEMPORAL_ADDRESS) {
    return {
      address: env.TEMPORAL_ADDRESS,
      namespace: env.TEMPORAL_NAMESPACE ?? "default",
      tls: tlsFromEnv(),
      apiKey: env.TEMPORAL_API_KEY || undefined,
      uiUrl: env.TEMPORAL_UI_URL || undefined,
      kind: "external",
      release: async () => {},
    };
  }
  const orphan = await stopOrphanedServer(dataDir);
  if (orphan)
    process.stderr.write(
      `sstar: stopped the embedded Temporal server (pid ${orphan.pid}) that a killed sstar${orphan.ownerPid ? ` (pid ${orphan.ownerPid})` : ""} left running; starting one on the same state file\n`,
    );
  const running = runningServerRecord(dataDir);
  if (running) {
    return {
      address: running.address,
      namespace: running.namespace,
      uiUrl: running.uiUrl,
      kind: "embedded (joined)",
      release: async () => {},
    };
  }
  const server = await EmbeddedTemporalServer.start({ dataDir });
  return {
    address: server.address,
    namespace: server.namespace,
    uiUrl: server.uiUrl,
    kind: "embedded (started)",
    release: () => server.stop(),
  };
}

function tlsFromEnv(): TLSConfig | boolean | undefined {
  const env = process.env;
  const read = (name: string): Buffer | undefined => {
    const path = env[name];
    if (!path) return undefined;
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`${name}=${path} cannot be read: ${(err as Error).message}`);
    }
  };
  const crt = read("TEMPORAL_TLS_CERT");
  const key = read("TEMPORAL_TLS_KEY");
  const ca = read("TEMPORAL_TLS_CA");
  if (Boolean(crt) !== Boolean(key)) {
    throw new Error("TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together");
  }
  const serverName = env.TEMPORAL_TLS_SERVER_NAME || undefined;
  if (crt || ca || serverName) {
    return {
      clientCertPair: crt && key ? { crt, key } : undefined,
      serverRootCACertificate: ca,
      serverNameOverride: serverName,
    };
  }
  if (env.TEMPORAL_TLS === "true" || env.TEMPORAL_API_KEY) return true;
  return undefined;
}
