import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readNamedJson } from "../config/read-named-file";

/**
 * Measures an OpenAI-compatible endpoint's generation throughput from its Prometheus `/metrics`
 * (vLLM's names, which sstar's simulator also serves), so GPU time can be priced from what the
 * endpoint actually delivered during a run rather than from an assumed figure.
 *
 * Throughput = generated tokens ÷ seconds the endpoint was busy (requests running or tokens
 * flowing in a sampling interval). Idle intervals are left out: an endpoint waiting for sstar is
 * not slower, and the GPU-hour price of the ledger's tokens should not include the wait.
 */

/** One reading of an endpoint's counters. */
export interface EndpointSample {
  atMs: number;
  generationTokens: number;
  running: number;
}

/** Sums a metric's samples (all label sets) in Prometheus text format; undefined when absent. */
export function metricSum(text: string, name: string): number | undefined {
  let total: number | undefined;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    let rest = line.slice(name.length);
    if (rest.startsWith("{")) rest = rest.slice(rest.lastIndexOf("}") + 1);
    else if (!rest.startsWith(" ")) continue; // a longer name with this prefix
    const value = Number(rest.trim().split(/\s+/)[0]);
    if (Number.isFinite(value)) total = (total ?? 0) + value;
  }
  return total;
}

export function parseEndpointSample(text: string, atMs: number): EndpointSample | undefined {
  const generationTokens = metricSum(text, "vllm:generation_tokens_total");
  const running = metricSum(text, "vllm:num_requests_running");
  // A labelled counter appears only once it has counted something: a vLLM-shaped endpoint that
  // has not generated yet shows its gauges but not the counter.
  if (generationTokens === undefined && running === undefined) return undefined;
  return { atMs, generationTokens: generationTokens ?? 0, running: running ?? 0 };
}

export interface ThroughputEstimate {
  /** Generated tokens per busy second; undefined when the endpoint was never seen busy. */
  tokensPerSecond?: number;
  generatedTokens: number;
  busySeconds: number;
  samples: number;
}

/** Throughput over consecutive samples; a counter that went down (endpoint restarted) restarts the count. */
export function estimateThroughput(samples: EndpointSample[]): ThroughputEstimate {
  let generatedTokens = 0;
  let busySeconds = 0;
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1] as EndpointSample;
    const b = samples[i] as EndpointSample;
    const tokens =
      b.generationTokens >= a.generationTokens ? b.generationTokens - a.generationTokens : b.generationTokens;
    const busy = tokens > 0 || a.running > 0 || b.running > 0;
    if (!busy) continue;
    generatedTokens += tokens;
    busySeconds += Math.max(0, b.atMs - a.atMs) / 1000;
  }
  const estimate: ThroughputEstimate = { generatedTokens, busySeconds, samples: samples.length };
  if (busySeconds > 0 && generatedTokens > 0) estimate.tokensPerSecond = generatedTokens / busySeconds;
  return estimate;
}

/** Where an OpenAI-compatible base URL (`http://host:8000/v1`) serves its metrics. */
export function metricsUrlOf(baseUrl: string): string {
  const url = new URL(baseUrl);
  url.pathname = `${url.pathname.replace(/\/v1\/?$/, "").replace(/\/$/, "")}/metrics`;
  return url.toString();
}

/**
 * Samples endpoints' /metrics at an interval while a run is going. Endpoints without vLLM metrics
 * (a hosted API) are skipped quietly: their tokens are priced per token, not by GPU time.
 */
export class EndpointThroughputSampler {
  private readonly samples = new Map<string, EndpointSample[]>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    /** Endpoint name → base URL (already resolved: no `sim://`). */
    private readonly endpoints: Record<string, string>,
    private readonly intervalMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.inFlight = this.sampleAll();
    this.timer = setInterval(() => {
      this.inFlight = this.inFlight.then(() => this.sampleAll());
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Takes a last sample and returns the estimate per endpoint name. */
  async stop(): Promise<Record<string, ThroughputEstimate>> {
    if (this.timer) clearInterval(this.timer);
    await this.inFlight;
    await this.sampleAll();
    const out: Record<string, ThroughputEstimate> = {};
    for (const [name, samples] of this.samples) out[name] = estimateThroughput(samples);
    return out;
  }

  private async sampleAll(): Promise<void> {
    await Promise.all(
      Object.entries(this.endpoints).map(async ([name, baseUrl]) => {
        try {
          const response = await fetch(metricsUrlOf(baseUrl), { signal: AbortSignal.timeout(3_000) });
          if (!response.ok) return;
          const sample = parseEndpointSample(await response.text(), this.now());
          if (!sample) return;
          const list = this.samples.get(name) ?? [];
          list.push(sample);
          this.samples.set(name, list);
        } catch {
          // unreachable or not vLLM-shaped: no measurement for it
        }
      }),
    );
  }
}

/** A sampler over a run's endpoints (names → base URLs as configured); those it cannot resolve are left out. */
export function runThroughputSampler(
  endpoints: Record<string, { baseUrl: string }>,
  resolve: (baseUrl: string) => string,
  intervalMs?: number,
): EndpointThroughputSampler {
  const urls: Record<string, string> = {};
  for (const [name, endpoint] of Object.entries(endpoints)) {
    try {
      urls[name] = resolve(endpoint.baseUrl);
    } catch {
      // e.g. the built-in simulator when this process hosts no worker
    }
  }
  return new EndpointThroughputSampler(urls, intervalMs);
}

/** `<run dir>/endpoint-throughput.json`: what pricing reads as measured throughput. */
export const ENDPOINT_THROUGHPUT_FILE = "endpoint-throughput.json";

/** The measured tokens per second by endpoint name, for `priceTotals({ throughput })`. */
export function measuredThroughput(estimates: Record<string, ThroughputEstimate>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, e] of Object.entries(estimates)) if (e.tokensPerSecond) out[name] = e.tokensPerSecond;
  return out;
}

/**
 * Adds one invocation's estimates to a run's file: a resumed run's invocations add up (tokens and
 * busy seconds), so the run's throughput covers every part of it.
 */
export function recordRunThroughput(runDir: string, estimates: Record<string, ThroughputEstimate>): void {
  const path = join(runDir, ENDPOINT_THROUGHPUT_FILE);
  const merged: Record<string, ThroughputEstimate> = existsSync(path)
    ? readNamedJson<Record<string, ThroughputEstimate>>(path)
    : {};
  for (const [name, e] of Object.entries(estimates)) {
    const before = merged[name] ?? { generatedTokens: 0, busySeconds: 0, samples: 0 };
    const sum: ThroughputEstimate = {
      generatedTokens: before.generatedTokens + e.generatedTokens,
      busySeconds: before.busySeconds + e.busySeconds,
      samples: before.samples + e.samples,
    };
    if (sum.busySeconds > 0 && sum.generatedTokens > 0)
      sum.tokensPerSecond = sum.generatedTokens / sum.busySeconds;
    merged[name] = sum;
  }
  writeFileSync(path, `${JSON.stringify(merged, null, 2)}\n`);
}

/** A run's measured throughput by endpoint name; empty when none was measured. */
export function readRunThroughput(runDir: string): Record<string, number> {
  const path = join(runDir, ENDPOINT_THROUGHPUT_FILE);
  if (!existsSync(path)) return {};
  return measuredThroughput(readNamedJson<Record<string, ThroughputEstimate>>(path));
}
