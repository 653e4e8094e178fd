import type { V1Job, V1Pod } from "@kubernetes/client-node";

/** One pod of a release as `sstar cluster status` shows it. */
export interface PodStatus {
  name: string;
  component: string;
  phase: string;
  ready: boolean;
  restarts: number;
  node: string | null;
  /** Why it is not running, when the API says (Unschedulable, ImagePullBackOff, Evicted, ...). */
  reason: string | null;
}

export interface LauncherStatus {
  name: string;
  /** The `sstar run` arguments (the preset or configuration, dataset, flags). */
  args: string[];
  state: "running" | "succeeded" | "failed" | "pending";
  active: number;
  failed: number;
}

export interface ReleaseStatus {
  release: string;
  namespace: string;
  pods: PodStatus[];
  launchers: LauncherStatus[];
}

const COMPONENT_ORDER = ["worker", "sandbox", "vllm", "launcher"];

export function podStatus(pod: V1Pod): PodStatus {
  const statuses = pod.status?.containerStatuses ?? [];
  const waiting = statuses.find((s) => s.state?.waiting?.reason)?.state?.waiting?.reason;
  const unschedulable = pod.status?.conditions?.find(
    (c) => c.type === "PodScheduled" && c.status === "False",
  );
  return {
    name: pod.metadata?.name ?? "?",
    component: pod.metadata?.labels?.["app.kubernetes.io/component"] ?? "?",
    phase: pod.metadata?.deletionTimestamp ? "Terminating" : (pod.status?.phase ?? "Unknown"),
    ready: pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false,
    restarts: statuses.reduce((sum, s) => sum + (s.restartCount ?? 0), 0),
    node: pod.spec?.nodeName ?? null,
    reason: pod.status?.reason ?? waiting ?? unschedulable?.reason ?? null,
  };
}

export function launcherStatus(job: V1Job): LauncherStatus {
  const conditions = job.status?.conditions ?? [];
  const done = (type: string) => conditions.some((c) => c.type === type && c.status === "True");
  const active = job.status?.active ?? 0;
  return {
    name: job.metadata?.name ?? "?",
    args: job.spec?.template.spec?.containers.find((c) => c.name === "run")?.args ?? [],
    state: done("Complete") ? "succeeded" : done("Failed") ? "failed" : active > 0 ? "running" : "pending",
    active,
    failed: job.status?.failed ?? 0,
  };
}

export function releaseStatus(
  release: string,
  namespace: string,
  pods: V1Pod[],
  jobs: V1Job[],
): ReleaseStatus {
  const rank = (c: string) => COMPONENT_ORDER.indexOf(c) + 1 || COMPONENT_ORDER.length + 1;
  return {
    release,
    namespace,
    pods: pods
      .map(podStatus)
      .sort((a, b) => rank(a.component) - rank(b.component) || (a.name < b.name ? -1 : 1)),
    launchers: jobs.map(launcherStatus).sort((a, b) => (a.name < b.name ? -1 : 1)),
  };
}

export const releaseSelector = (release: string) =>
  `app.kubernetes.io/name=sstar,app.kubernetes.io/instance=${release}`;
