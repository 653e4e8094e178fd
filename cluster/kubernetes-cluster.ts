import { readFileSync } from "node:fs";
import {
  ApiException,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  type V1ConfigMap,
  type V1Job,
  type V1Pod,
  Watch,
} from "@kubernetes/client-node";
import { type ClusterApi, ClusterConfigError, ClusterUnavailableError } from "./cluster-api";

const IN_CLUSTER_NAMESPACE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

export interface KubernetesClusterOptions {
  /** A kubeconfig file; default: $KUBECONFIG, ~/.kube/config, or the pod's service account. */
  kubeconfig?: string;
  context?: string;
  /** Default: the context's namespace, the pod's own, or `default`. */
  namespace?: string;
  /**
   * Use the pod's service account (in-cluster configuration) with its files under this root
   * instead of `/`; a pod without a kubeconfig gets the same from the default loading.
   */
  inClusterRoot?: string;
}

/**
 * The Kubernetes API through @kubernetes/client-node. Kubeconfig and in-cluster configuration (a
 * pod's service account) both work. Every call here is one the chart's Role grants
 * (helm/sstar/templates/role.yaml; tests/cluster-rbac.test.ts reads both and compares).
 */
export class KubernetesCluster implements ClusterApi {
  readonly namespace: string;
  readonly server: string;
  private readonly core: CoreV1Api;
  private readonly batch: BatchV1Api;
  private readonly watcher: Watch;

  constructor(options: KubernetesClusterOptions = {}) {
    const config = new KubeConfig();
    try {
      if (options.kubeconfig) config.loadFromFile(options.kubeconfig);
      else if (options.inClusterRoot !== undefined) config.loadFromCluster(options.inClusterRoot);
      else config.loadFromDefault();
    } catch (err) {
      throw new ClusterConfigError(
        `kubeconfig ${options.kubeconfig ?? "(default)"}: ${(err as Error).message}`,
      );
    }
    if (options.context) {
      if (!config.getContextObject(options.context))
        throw new ClusterConfigError(`--context ${options.context}: no such context in the kubeconfig`);
      config.setCurrentContext(options.context);
    }
    const cluster = config.getCurrentCluster();
    if (!cluster)
      throw new ClusterUnavailableError(
        "no Kubernetes cluster configured: set KUBECONFIG or --kubeconfig, or run inside a pod with a service account",
      );
    this.server = cluster.server;
    this.namespace =
      options.namespace ??
      config.getContextObject(config.getCurrentContext())?.namespace ??
      readInClusterNamespace(options.inClusterRoot ?? "") ??
      "default";
    this.core = config.makeApiClient(CoreV1Api);
    this.batch = config.makeApiClient(BatchV1Api);
    this.watcher = new Watch(config);
  }

  async readConfigMap(name: string): Promise<V1ConfigMap | undefined> {
    try {
      return await this.core.readNamespacedConfigMap({ name, namespace: this.namespace });
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return undefined;
      throw this.unavailable(`read configmap ${name}`, err);
    }
  }

  async createConfigMap(body: V1ConfigMap): Promise<"created" | "exists"> {
    return this.create(`create configmap ${body.metadata?.name}`, () =>
      this.core.createNamespacedConfigMap({ namespace: this.namespace, body }),
    );
  }

  async createJob(body: V1Job): Promise<"created" | "exists"> {
    return this.create(`create job ${body.metadata?.name}`, () =>
      this.batch.createNamespacedJob({ namespace: this.namespace, body }),
    );
  }

  async listJobs(labelSelector: string): Promise<V1Job[]> {
    try {
      return (await this.batch.listNamespacedJob({ namespace: this.namespace, labelSelector })).items;
    } catch (err) {
      throw this.unavailable(`list jobs (${labelSelector})`, err);
    }
  }

  async listPods(labelSelector: string): Promise<V1Pod[]> {
    try {
      return (await this.core.listNamespacedPod({ namespace: this.namespace, labelSelector })).items;
    } catch (err) {
      throw this.unavailable(`list pods (${labelSelector})`, err);
    }
  }

  async watchPods(
    labelSelector: string,
    onEvent: (type: string, pod: V1Pod) => void,
    onError: (err: Error) => void,
  ): Promise<() => void> {
    let stopped = false;
    let abort: AbortController | undefined;
    // A watch ends now and then (the server closes it); it is opened again until stopped.
    const open = async (): Promise<void> => {
      try {
        abort = await this.watcher.watch(
          `/api/v1/namespaces/${this.namespace}/pods`,
          { labelSelector },
          (type, pod) => onEvent(type, pod as V1Pod),
          (err) => {
            if (stopped) return;
            if (err && (err as Error).name !== "AbortError")
              onError(this.unavailable(`watch pods (${labelSelector})`, err));
            setTimeout(() => void open(), 1_000);
          },
        );
      } catch (err) {
        if (stopped) return;
        onError(this.unavailable(`watch pods (${labelSelector})`, err));
        setTimeout(() => void open(), 5_000);
      }
    };
    await open();
    return () => {
      stopped = true;
      abort?.abort();
    };
  }

  private async create(what: string, call: () => Promise<unknown>): Promise<"created" | "exists"> {
    try {
      await call();
      return "created";
    } catch (err) {
      if (err instanceof ApiException && err.code === 409) return "exists";
      throw this.unavailable(what, err);
    }
  }

  private unavailable(what: string, err: unknown): ClusterUnavailableError {
    const reason =
      err instanceof ApiException
        ? `HTTP ${err.code}: ${apiMessage(err.body)}`
        : (err as Error).message || String(err);
    return new ClusterUnavailableError(`${what} in namespace ${this.namespace} at ${this.server}: ${reason}`);
  }
}

function apiMessage(body: unknown): string {
  if (typeof body === "string") {
    try {
      return (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      return body;
    }
  }
  return (body as { message?: string } | undefined)?.message ?? JSON.stringify(body);
}

function readInClusterNamespace(root: string): string | undefined {
  try {
    return readFileSync(`${root}${IN_CLUSTER_NAMESPACE}`, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}
