import type { V1ConfigMap, V1Job, V1Pod } from "@kubernetes/client-node";

/**
 * What sstar asks of a Kubernetes API server, in one namespace. The real implementation is
 * kubernetes-cluster.ts (@kubernetes/client-node); the chart's Role grants exactly these calls.
 */
export interface ClusterApi {
  readonly namespace: string;
  /** The ConfigMap, or undefined when there is none of that name. */
  readConfigMap(name: string): Promise<V1ConfigMap | undefined>;
  /** Creates it; "exists" when one of that name is there already (left as it is). */
  createConfigMap(configMap: V1ConfigMap): Promise<"created" | "exists">;
  createJob(job: V1Job): Promise<"created" | "exists">;
  listJobs(labelSelector: string): Promise<V1Job[]>;
  listPods(labelSelector: string): Promise<V1Pod[]>;
  /** Watches the pods (ADDED, MODIFIED, DELETED) until the returned stop is called. */
  watchPods(
    labelSelector: string,
    onEvent: (type: string, pod: V1Pod) => void,
    onError: (err: Error) => void,
  ): Promise<() => void>;
}

/** The API server refused or could not be reached: one line naming the call and the reason. */
export class ClusterUnavailableError extends Error {
  readonly exitCode = 3;
}

/** The kubeconfig or context named cannot be used: bad input, not an outage. */
export class ClusterConfigError extends Error {
  readonly exitCode = 2;
}
