import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { ExecutionResult } from "../types";

export interface SandboxMetrics {
  recordResult(result: ExecutionResult): void;
  /** `errorType`: the `error.type` of an error answer (overloaded, unavailable, invalid_request_error, ...). */
  observeRequest(route: string, status: number, seconds: number, errorType?: string): void;
}

/** The service's metrics on `registry`; the gauges read the queue when scraped, so they are never stale. */
export function createSandboxMetrics(
  registry: Registry,
  queue: { readonly running: number; readonly waiting: number },
): SandboxMetrics {
  const registers = [registry];
  const runs = new Counter({
    name: "sstar_sandbox_runs_total",
    help: "Programs executed (one per execution request), by isolation",
    labelNames: ["isolation"],
    registers,
  });
  const verdicts = new Counter({
    name: "sstar_sandbox_verdicts_total",
    help: "Test outcomes (a verdict when grading, ok when collecting; compile_error once per program)",
    labelNames: ["verdict"],
    registers,
  });
  const cpuSeconds = new Counter({
    name: "sstar_sandbox_cpu_seconds_total",
    help: "CPU seconds used by executed programs",
    registers,
  });
  const wallSeconds = new Counter({
    name: "sstar_sandbox_wall_seconds_total",
    help: "Wall-clock seconds of executed programs",
    registers,
  });
  new Gauge({
    name: "sstar_sandbox_queue_depth",
    help: "Execution jobs waiting for a free slot",
    registers,
    collect() {
      this.set(queue.waiting);
    },
  });
  new Gauge({
    name: "sstar_sandbox_executions_in_flight",
    help: "Execution jobs running now",
    registers,
    collect() {
      this.set(queue.running);
    },
  });
  const requestDuration = new Histogram({
    name: "sstar_sandbox_request_duration_seconds",
    help: "HTTP request duration, by route and status code",
    labelNames: ["route", "code"],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers,
  });
  const errors = new Counter({
    name: "sstar_sandbox_request_errors_total",
    help: "Requests answered with an error, by route and error type (overloaded, unavailable, invalid_request_error, ...)",
    labelNames: ["route", "type"],
    registers,
  });
  return {
    recordResult(result) {
      runs.inc({ isolation: result.isolation });
      if (result.compileError !== undefined) verdicts.inc({ verdict: "compile_error" });
      for (const test of result.tests) verdicts.inc({ verdict: test.outcome });
      cpuSeconds.inc(Math.max(0, result.cpuMs) / 1000);
      wallSeconds.inc(Math.max(0, result.wallMs) / 1000);
    },
    observeRequest(route, status, seconds, errorType) {
      requestDuration.observe({ route, code: String(status) }, seconds);
      if (errorType !== undefined) errors.inc({ route, type: errorType });
    },
  };
}
