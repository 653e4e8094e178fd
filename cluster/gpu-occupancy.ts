import type { V1Pod } from "@kubernetes/client-node";
import type { GpuInterval } from "../spend/gpu-attribution";

/** The pod annotation the chart puts the served model name in (what requests and the ledger carry). */
export const SERVED_MODEL_ANNOTATION = "sstar.dev/served-model";

const GPU_RESOURCE = "nvidia.com/gpu";

/** GPUs a pod holds: the sum of its containers' nvidia.com/gpu requests (limits where no request is set). */
export function gpusOf(pod: V1Pod): number {
  let gpus = 0;
  for (const c of pod.spec?.containers ?? []) {
    const value = c.resources?.requests?.[GPU_RESOURCE] ?? c.resources?.limits?.[GPU_RESOURCE];
    const n = Number(value ?? 0);
    if (Number.isFinite(n) && n > 0) gpus += n;
  }
  return gpus;
}

/** The model a vLLM pod serves: the chart's annotation, else its `--served-model-name` or `--model` argument. */
export function servedModelOf(pod: V1Pod): string | undefined {
  const annotated = pod.metadata?.annotations?.[SERVED_MODEL_ANNOTATION];
  if (annotated) return annotated;
  for (const c of pod.spec?.containers ?? []) {
    const args = [...(c.command ?? []), ...(c.args ?? [])];
    for (const flag of ["--served-model-name", "--model"]) {
      const i = args.indexOf(flag);
      if (i >= 0 && args[i + 1]) return args[i + 1];
      const joined = args.find((a) => a.startsWith(`${flag}=`));
      if (joined) return joined.slice(flag.length + 1);
    }
  }
  return undefined;
}

function time(value: Date | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Since when a Running pod has run: its earliest running container's start, else its own start. */
function runningSince(pod: V1Pod): number | undefined {
  const starts = (pod.status?.containerStatuses ?? [])
    .map((s) => time(s.state?.running?.startedAt))
    .filter((t): t is number => t !== undefined);
  if (starts.length) return Math.min(...starts);
  return time(pod.status?.startTime);
}

/**
 * The Running intervals of an endpoint's pods, from a watch of them: a pod holds its GPUs from
 * when it started running (as its status says, so a meter started late still sees the time
 * before it) until the watch sees it stop running or go away.
 */
export class GpuOccupancy {
  private readonly byPod = new Map<string, GpuInterval[]>();

  observe(type: string, pod: V1Pod, now: number): void {
    const id = pod.metadata?.uid ?? pod.metadata?.name ?? "";
    const model = servedModelOf(pod);
    const gpus = gpusOf(pod);
    if (!id || !model || gpus <= 0) return;
    const intervals = this.byPod.get(id) ?? [];
    const open = intervals.find((i) => i.to === undefined);
    const running =
      type !== "DELETED" && pod.status?.phase === "Running" && pod.metadata?.deletionTimestamp === undefined;
    if (running && !open) {
      const since = runningSince(pod) ?? now;
      const last = intervals[intervals.length - 1];
      // A restarted container reports a new start; the time before it was already counted.
      const from = Math.min(now, Math.max(since, last?.to ?? Number.NEGATIVE_INFINITY));
      intervals.push({ pod: pod.metadata?.name ?? id, model, gpus, from });
    } else if (!running && open) {
      open.to = now;
    }
    this.byPod.set(id, intervals);
  }

  /** Every interval seen so far (copies; open ones have no `to`). */
  intervals(): GpuInterval[] {
    return [...this.byPod.values()].flat().map((i) => ({ ...i }));
  }

  /** The models whose pods have been seen running. */
  models(): string[] {
    return [...new Set(this.intervals().map((i) => i.model))].sort();
  }
}
