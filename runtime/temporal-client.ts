import { Client, Connection } from "@temporalio/client";
import type { TemporalTarget } from "./temporal-target";

export async function connectClient(target: TemporalTarget): Promise<Client> {
  const connection = await Connection.connect({
    address: target.address,
    tls: target.tls,
    apiKey: target.apiKey,
  });
  return new Client({ connection, namespace: target.namespace });
}
