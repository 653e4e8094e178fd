/**
 * What the simulated endpoint counts: Prometheus metrics under vLLM's names (its own Registry,
 * served at /metrics) and the same served totals as exact JSON numbers (served at /sim/stats).
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { FaultKind } from "./faults.js";
import type { TimingStats } from "./timing-model.js";

// vLLM's own bucket boundaries (vllm/engine/metrics.py).
const E2E_BUCKETS = [
  0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0,
  960.0, 1920.0, 7680.0,
];
const TTFT_BUCKETS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0,
  80.0, 160.0, 640.0, 2560.0,
];
const TOKEN_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];

/** A finished request, as the metrics see it. */
export interface ServedRequest {
  endpoint: "chat" | "completions";
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  finishReasons: readonly string[];
  roles: readonly string[];
  queueSeconds: number;
  firstTokenSeconds: number | null;
  e2eSeconds: number;
}

/** Exact served totals since the server started (GET /sim/stats). */
export interface SimStats {
  /** Requests to /v1/chat/completions and /v1/completions, whatever their outcome. */
  requests: number;
  /** Of those, answered with 200 and every choice generated. */
  served: number;
  /** Choices generated in served requests. */
  choices: number;
  /** Sums over served requests of their `usage`. */
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  /** Served requests by endpoint. */
  byEndpoint: Record<string, number>;
  /** Responses by HTTP status (string keys), over every path; 0: no status (connection reset or hang). */
  byStatus: Record<string, number>;
  /** Choices by finish_reason. */
  byFinishReason: Record<string, number>;
  /** Choices by the role the Responder gave them. */
  byRole: Record<string, number>;
  /** Faults injected by kind (output faults count once per affected choice). */
  faults: Record<string, number>;
  /** Requests whose client went away before the response was complete. */
  aborted: number;
  /** Sequences in flight and waiting, now. */
  running: number;
  waiting: number;
  /** Seconds with at least one sequence in flight, and seconds × sequences in flight. */
  busySeconds: number;
  sequenceSeconds: number;
  /** Seconds from the first request to the last moment a sequence was in flight. */
  spanSeconds: number;
}

function bump(record: Record<string, number>, key: string, by = 1): void {
  record[key] = (record[key] ?? 0) + by;
}

export class SimMetrics {
  readonly registry = new Registry();
  private readonly labels: { model_name: string };
  private readonly promptTokens: Counter<"model_name">;
  private readonly generationTokens: Counter<"model_name">;
  private readonly success: Counter<"model_name" | "finished_reason">;
  private readonly e2e: Histogram<"model_name">;
  private readonly ttft: Histogram<"model_name">;
  private readonly queueTime: Histogram<"model_name">;
  private readonly requestPromptTokens: Histogram<"model_name">;
  private readonly requestGenerationTokens: Histogram<"model_name">;
  private readonly faultsCounter: Counter<"model_name" | "kind">;
  private readonly httpRequests: Counter<"path" | "status">;
  private readonly totals: SimStats = {
    requests: 0,
    served: 0,
    choices: 0,
    promptTokens: 0,
    completionTokens: 0,
    reasoningTokens: 0,
    byEndpoint: {},
    byStatus: {},
    byFinishReason: {},
    byRole: {},
    faults: {},
    aborted: 0,
    running: 0,
    waiting: 0,
    busySeconds: 0,
    sequenceSeconds: 0,
    spanSeconds: 0,
  };

  constructor(
    /** The served model name that labels every metric (vLLM: the first --served-model-name). */
    modelName: string,
    private readonly engine: () => TimingStats,
  ) {
    this.labels = { model_name: modelName };
    const registers = [this.registry];
    const labels = this.labels;
    this.promptTokens = new Counter({
      name: "vllm:prompt_tokens_total",
      help: "Number of prefill tokens processed.",
      labelNames: ["model_name"],
      registers,
    });
    this.generationTokens = new Counter({
      name: "vllm:generation_tokens_total",
      help: "Number of generation tokens processed.",
      labelNames: ["model_name"],
      registers,
    });
    new Gauge({
      name: "vllm:num_requests_running",
      help: "Number of requests (sequences: each choice of n counts) in model execution batches.",
      labelNames: ["model_name"],
      registers,
      collect() {
        this.set(labels, engine().running);
      },
    });
    new Gauge({
      name: "vllm:num_requests_waiting",
      help: "Number of requests (sequences: each choice of n counts) waiting to be processed.",
      labelNames: ["model_name"],
      registers,
      collect() {
        this.set(labels, engine().waiting);
      },
    });
    this.success = new Counter({
      name: "vllm:request_success_total",
      help: "Count of successfully processed requests (by choice).",
      labelNames: ["model_name", "finished_reason"],
      registers,
    });
    this.e2e = new Histogram({
      name: "vllm:e2e_request_latency_seconds",
      help: "Histogram of end to end request latency in seconds.",
      labelNames: ["model_name"],
      buckets: E2E_BUCKETS,
      registers,
    });
    this.ttft = new Histogram({
      name: "vllm:time_to_first_token_seconds",
      help: "Histogram of time to first token in seconds.",
      labelNames: ["model_name"],
      buckets: TTFT_BUCKETS,
      registers,
    });
    this.queueTime = new Histogram({
      name: "vllm:request_queue_time_seconds",
      help: "Histogram of time spent in WAITING phase for request.",
      labelNames: ["model_name"],
      buckets: E2E_BUCKETS,
      registers,
    });
    this.requestPromptTokens = new Histogram({
      name: "vllm:request_prompt_tokens",
      help: "Number of prefill tokens processed.",
      labelNames: ["model_name"],
      buckets: TOKEN_BUCKETS,
      registers,
    });
    this.requestGenerationTokens = new Histogram({
      name: "vllm:request_generation_tokens",
      help: "Number of generation tokens processed.",
      labelNames: ["model_name"],
      buckets: TOKEN_BUCKETS,
      registers,
    });
    this.faultsCounter = new Counter({
      name: "sstar_sim_faults_total",
      help: "Faults the simulator injected, by kind.",
      labelNames: ["model_name", "kind"],
      registers,
    });
    this.httpRequests = new Counter({
      name: "sstar_sim_http_responses_total",
      help: "HTTP responses of the simulator by path and status (0: connection reset or hang).",
      labelNames: ["path", "status"],
      registers,
    });
  }

  /** A request reached a completions endpoint. */
  requestReceived(): void {
    this.totals.requests += 1;
  }

  /** An HTTP exchange ended with `status` (0: no status, the connection was reset or left hanging). */
  responded(path: string, status: number): void {
    bump(this.totals.byStatus, String(status));
    this.httpRequests.inc({ path, status: String(status) });
  }

  fault(kind: FaultKind): void {
    bump(this.totals.faults, kind);
    this.faultsCounter.inc({ ...this.labels, kind });
  }

  aborted(): void {
    this.totals.aborted += 1;
  }

  /** A request was served in full. */
  served(request: ServedRequest): void {
    const t = this.totals;
    t.served += 1;
    t.choices += request.finishReasons.length;
    t.promptTokens += request.promptTokens;
    t.completionTokens += request.completionTokens;
    t.reasoningTokens += request.reasoningTokens;
    bump(t.byEndpoint, request.endpoint);
    for (const reason of request.finishReasons) {
      bump(t.byFinishReason, reason);
      this.success.inc({ ...this.labels, finished_reason: reason });
    }
    for (const role of request.roles) bump(t.byRole, role);
    this.promptTokens.inc(this.labels, request.promptTokens);
    this.generationTokens.inc(this.labels, request.completionTokens);
    this.e2e.observe(this.labels, request.e2eSeconds);
    this.ttft.observe(this.labels, request.firstTokenSeconds ?? request.e2eSeconds);
    this.queueTime.observe(this.labels, request.queueSeconds);
    this.requestPromptTokens.observe(this.labels, request.promptTokens);
    this.requestGenerationTokens.observe(this.labels, request.completionTokens);
  }

  stats(): SimStats {
    const engine = this.engine();
    return structuredClone({
      ...this.totals,
      running: engine.running,
      waiting: engine.waiting,
      busySeconds: engine.busySeconds,
      sequenceSeconds: engine.sequenceSeconds,
      spanSeconds: engine.spanSeconds,
    });
  }
}
