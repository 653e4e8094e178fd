import { type RunConfig, roleConfig } from "../config/run-config";

/** An endpoint a run cannot use; `exitCode` 2: fix the configuration or key; 3: it is unreachable. */
export class EndpointUnusableError extends Error {
  constructor(
    message: string,
    readonly exitCode: 2 | 3,
  ) {
    super(message);
    this.name = "EndpointUnusableError";
  }
}

const ROLES = ["generator", "debugger", "testGenerator", "inputSynthesizer", "judge"] as const;

/**
 * Before any problem starts: every (endpoint, model) the run's roles use answers GET /models with
 * the key it is given, and lists the model. What no retry can fix (a refused key, a model the
 * server does not serve, an unset key variable) and an endpoint nobody answers at are one error
 * naming the endpoint and the model, instead of every problem failing in turn. An endpoint
 * without a model list (its /models fails otherwise) is not judged here.
 */
export async function checkEndpoints(
  config: RunConfig,
  resolveBaseUrl: (baseUrl: string) => string,
  fetchImpl: typeof fetch = fetch,
): Promise<void> {
  const pairs = new Map<string, { endpointName: string; model: string }>();
  for (const name of ROLES) {
    const role = roleConfig(config, name);
    pairs.set(`${role.endpoint}\u0000${role.model}`, { endpointName: role.endpoint, model: role.model });
  }
  for (const { endpointName, model } of pairs.values()) {
    const endpoint = config.endpoints[endpointName];
    if (!endpoint) continue; // the configuration's own check names it
    const where = `endpoint "${endpointName}" (${endpoint.baseUrl})`;
    const key = endpoint.apiKeyEnv ? process.env[endpoint.apiKeyEnv] : undefined;
    if (endpoint.apiKeyEnv && !key)
      throw new EndpointUnusableError(
        `${where}: environment variable ${endpoint.apiKeyEnv} (its API key) is not set`,
        2,
      );
    const base = resolveBaseUrl(endpoint.baseUrl).replace(/\/$/, "");
    let response: Response | undefined;
    let failure: unknown;
    // A server restarting is not a wrong address: three tries, a second apart.
    for (let attempt = 0; attempt < 3 && !response; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 1_000));
      try {
        response = await fetchImpl(`${base}/models`, {
          headers: key ? { authorization: `Bearer ${key}` } : {},
          signal: AbortSignal.timeout(15_000),
        });
      } catch (err) {
        failure = err;
      }
    }
    if (!response) {
      const cause = (failure as { cause?: { code?: string; message?: string } }).cause;
      throw new EndpointUnusableError(
        `${where} is unreachable (${cause?.code ?? cause?.message ?? (failure as Error).message}); start it or fix baseUrl/--endpoint`,
        3,
      );
    }
    if (response.status === 401 || response.status === 403)
      throw new EndpointUnusableError(
        `${where} refused the API key (${response.status})${endpoint.apiKeyEnv ? ` from ${endpoint.apiKeyEnv}` : "; set endpoints.<name>.apiKeyEnv"}`,
        2,
      );
    if (!response.ok) continue;
    const body = (await response.json().catch(() => undefined)) as { data?: { id?: unknown }[] } | undefined;
    const served = Array.isArray(body?.data) ? body.data.map((m) => String(m.id)) : undefined;
    if (served && !served.includes(model))
      throw new EndpointUnusableError(
        `${where} does not serve model "${model}" (it serves: ${served.join(", ") || "none"}); set the role's model or --model`,
        2,
      );
  }
}
