import type { RunConfig } from "../config/run-config";
import { metricSum, metricsUrlOf } from "../llm/endpoint-throughput";
import type { LlmGateway } from "../llm/llm-gateway";
import { resolveBaseUrl } from "../llm/openai-gateway";
import { admissionRoom, type EndpointLoad, learnBatch } from "../method/admission";

/** How long one call waits for room before answering 0 (bounds the run's history growth). */
const LONG_POLL_MS = 30_000;
const POLL_EVERY_MS = 250;
/** Problems admitted this recently count as demand not yet at the endpoint. */
const PENDING_MS = 3_000;

/** The endpoint's running and waiting sequences from its /metrics; undefined without vLLM's gauges. */
async function endpointLoad(baseUrl: string): Promise<EndpointLoad | undefined> {
  try {
    const res = await fetch(metricsUrlOf(resolveBaseUrl(baseUrl)), { signal: AbortSignal.timeout(2_000) });
    if (!res.ok) return undefined;
    const text = await res.text();
    const running = metricSum(text, "vllm:num_requests_running");
    const waiting = metricSum(text, "vllm:num_requests_waiting");
    return running === undefined || waiting === undefined ? undefined : { running, waiting };
  } catch {
    return undefined;
  }
}

/** Admission by the endpoint's free slots (method/admission.ts), for runs with `admission: endpoint`. */
export function admissionActivities(llm?: Pick<LlmGateway, "queuedSequences">) {
  const learned = new Map<string, number>();
  const admitted: { at: number; sequences: number }[] = [];
  return {
    /** Waits (up to 30 s) until the generator's endpoint has room, and says for how many problems. */
    async endpointRoom(input: { config: RunConfig; inFlight: number }): Promise<{ room: number }> {
      const { config } = input;
      const role = config.roles.generator;
      const endpoint = config.endpoints[role.endpoint];
      if (!endpoint) return { room: Math.max(0, config.window - input.inFlight) };
      const n = config.budget.n;
      const deadline = Date.now() + LONG_POLL_MS;
      for (;;) {
        const measured = await endpointLoad(endpoint.baseUrl);
        // What this worker holds back waits too: the endpoint's queue is kept short on purpose.
        const load = measured && {
          ...measured,
          waiting: measured.waiting + (llm?.queuedSequences?.(endpoint.baseUrl) ?? 0),
        };
        if (measured) {
          const batch = learnBatch(learned.get(endpoint.baseUrl), measured);
          if (batch !== undefined) learned.set(endpoint.baseUrl, batch);
        }
        const now = Date.now();
        while (admitted.length && (admitted[0]?.at ?? 0) < now - PENDING_MS) admitted.shift();
        const room = admissionRoom({
          load,
          batch: endpoint.maxNumSeqs ?? learned.get(endpoint.baseUrl),
          n,
          inFlight: input.inFlight,
          window: config.window,
          pendingSequences: admitted.reduce((s, a) => s + a.sequences, 0),
        });
        if (room > 0 || now >= deadline) {
          if (room > 0) admitted.push({ at: now, sequences: room * n });
          return { room };
        }
        await new Promise((r) => setTimeout(r, POLL_EVERY_MS));
      }
    },
  };
}
