import type { SpendLedger } from "../ledger/types";
import { GpuMeter, type GpuMeterTotals } from "../spend/gpu-meter";
import type { ClusterApi } from "./cluster-api";
import { GpuOccupancy } from "./gpu-occupancy";
import { releaseSelector } from "./release-status";

export interface GpuMeteringOptions {
  ledger: SpendLedger;
  runId: string;
  idle: { budgetSetting: string; endpoint: string };
  runStart: number;
  sliceMs?: number;
  lagMs?: number;
  log: (line: string) => void;
}

export interface GpuMetering {
  /** Meters up to the run's end, stops watching, and says what the run was charged. */
  finish(end: number): Promise<GpuMeterTotals>;
}

/**
 * While a run goes on in a cluster: watches the release's vLLM pods and meters their GPU time
 * into the ledger every slice (spend/gpu-meter.ts). A watch or ledger failure costs the run
 * nothing but this record, and is said once.
 */
export async function startGpuMetering(
  api: ClusterApi,
  release: string,
  options: GpuMeteringOptions,
): Promise<GpuMetering> {
  const occupancy = new GpuOccupancy();
  const meter = new GpuMeter({ ...options, occupancy });
  let lastError = "";
  const once = (what: string, err: Error) => {
    if (err.message === lastError) return;
    lastError = err.message;
    options.log(`sstar run: GPU time ${what}: ${err.message}`);
  };
  const stopWatch = await api.watchPods(
    `${releaseSelector(release)},app.kubernetes.io/component=vllm`,
    (type, pod) => occupancy.observe(type, pod, Date.now()),
    (err) => once("not watched", err),
  );
  options.log(
    `metering GPU time of release ${release}'s vLLM pods for run ${options.runId} (namespace ${api.namespace})`,
  );
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = running.then(() => meter.meterSettled().catch((err: Error) => once("not metered", err)));
  };
  const timer = setInterval(tick, options.sliceMs ?? 30_000);
  timer.unref();
  return {
    async finish(end: number): Promise<GpuMeterTotals> {
      clearInterval(timer);
      await running;
      try {
        await meter.meterToEnd(end);
      } catch (err) {
        once("not metered", err as Error);
      } finally {
        stopWatch();
      }
      return meter.totals;
    },
  };
}
