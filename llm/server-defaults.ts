import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RoleName, RunConfig } from "../config/run-config";

/**
 * What a run leaves to the server. The reference's raw path (reasoning models' round 0) sends no
 * temperature and no max_tokens, so its results depend on the server's defaults: vLLM then uses
 * the model's generation config and a completion limit of the context left (max_model_len minus
 * the prompt). This records, per role that leaves a setting unset, what the request sends and what
 * the server says of the model, beside the run's config.json, so a reader knows what was used.
 */
export interface ServerDefaultsRecord {
  role: RoleName;
  model: string;
  endpoint: string;
  /** What the requests send: null for a setting left to the server. */
  sent: { temperature: number | null; top_p: number | null; max_tokens: number | null };
  /** The server's model card (vLLM: `max_model_len`, `root`, `owned_by`), or why it could not be read. */
  server: Record<string, unknown> | { error: string };
}

const ROLES: RoleName[] = ["generator", "debugger", "testGenerator", "inputSynthesizer", "judge"];

/** Every configured role that leaves temperature, top_p or max_tokens to the server. */
export function rolesLeavingDefaults(config: RunConfig): RoleName[] {
  return ROLES.filter((name) => {
    const role = config.roles[name];
    if (!role) return false;
    const s = role.sampling;
    return s.temperature === undefined || s.maxTokens === undefined || s.topP === undefined;
  });
}

/** Reads the model cards (GET /models) and writes `<resultsDir>/server-defaults.json`; never throws. */
export async function recordServerDefaults(
  config: RunConfig,
  resultsDir: string,
  resolveBaseUrl: (baseUrl: string) => string,
  fetchImpl: typeof fetch = fetch,
): Promise<ServerDefaultsRecord[]> {
  const records: ServerDefaultsRecord[] = [];
  for (const name of rolesLeavingDefaults(config)) {
    const role = config.roles[name];
    const endpoint = role && config.endpoints[role.endpoint];
    if (!role || !endpoint) continue;
    let server: ServerDefaultsRecord["server"];
    try {
      const base = resolveBaseUrl(endpoint.baseUrl).replace(/\/$/, "");
      const key = endpoint.apiKeyEnv ? process.env[endpoint.apiKeyEnv] : undefined;
      const response = await fetchImpl(`${base}/models`, {
        headers: key ? { authorization: `Bearer ${key}` } : {},
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) throw new Error(`GET ${base}/models answered ${response.status}`);
      const body = (await response.json()) as { data?: { id?: string }[] };
      const card = body.data?.find((m) => m.id === role.model);
      server = card ? { ...card } : { error: `the server does not list model ${role.model}` };
    } catch (err) {
      server = { error: (err as Error).message };
    }
    records.push({
      role: name,
      model: role.model,
      endpoint: role.endpoint,
      sent: {
        temperature: role.sampling.temperature ?? null,
        top_p: role.sampling.topP ?? null,
        max_tokens: role.sampling.maxTokens ?? null,
      },
      server,
    });
  }
  if (records.length > 0)
    writeFileSync(join(resultsDir, "server-defaults.json"), `${JSON.stringify(records, null, 2)}\n`);
  return records;
}

/** Adds what the responses said (requests and mean completion tokens per role, from the run's summary). */
export function addObservedCompletions(
  resultsDir: string,
  records: ServerDefaultsRecord[],
  tokensByRole: Record<string, { completion: number; requests: number }>,
): void {
  if (records.length === 0) return;
  const withObserved = records.map((r) => {
    const t = tokensByRole[r.role];
    return {
      ...r,
      observed: t
        ? {
            requests: t.requests,
            mean_completion_tokens: t.requests ? Math.round(t.completion / t.requests) : 0,
          }
        : { requests: 0, mean_completion_tokens: 0 },
    };
  });
  writeFileSync(join(resultsDir, "server-defaults.json"), `${JSON.stringify(withObserved, null, 2)}\n`);
}
