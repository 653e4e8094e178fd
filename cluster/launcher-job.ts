import { createHash } from "node:crypto";
import type { V1ConfigMap, V1Job } from "@kubernetes/client-node";
import { stringify as toYaml } from "yaml";

/** The launcher ConfigMap's name: the chart renders it for every release. */
export const launcherConfigMapName = (release: string) => `${release}-launcher`;

/** What the chart's launcher passes unless told otherwise (its `defaults.json`). */
export interface LauncherDefaults {
  endpoint: string;
  model: string;
}

export interface LaunchRequest {
  /** A preset name, or a run configuration (parsed YAML) to mount as a file. */
  preset?: string;
  config?: Record<string, unknown>;
  dataset?: string;
  endpoint?: string;
  model?: string;
  extraArgs?: string[];
}

export const RUN_CONFIG_MOUNT = "/etc/sstar/run";

/** JSON as Go's encoding/json writes a map: keys sorted, so the chart's hash is reproduced. */
function goJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(goJson).join(",")}]`;
  if (value && typeof value === "object")
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${goJson((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value);
}

/** The chart's `sstar.runJobName`: a different run is a different Job (Jobs are immutable). */
export function launcherJobName(release: string, request: LaunchRequest): string {
  const key = goJson({
    preset: request.preset ?? "",
    config: request.config ?? {},
    dataset: request.dataset ?? "",
    args: request.extraArgs ?? [],
  });
  return `${release}-run-${createHash("sha256").update(key).digest("hex").slice(0, 8)}`;
}

/** The `sstar run` arguments, in the chart's order. */
export function launcherArgs(request: LaunchRequest, defaults: LauncherDefaults): string[] {
  const config = request.config ? `${RUN_CONFIG_MOUNT}/config.yaml` : request.preset;
  if (!config) throw new Error("a launch needs a preset or a run configuration");
  const endpoint = request.endpoint ?? defaults.endpoint;
  const model = request.model ?? defaults.model;
  return [
    "run",
    config,
    "--no-worker",
    "--json",
    ...(endpoint ? ["--endpoint", endpoint] : []),
    ...(model ? ["--model", model] : []),
    ...(request.dataset ? ["--dataset", request.dataset] : []),
    ...(request.extraArgs ?? []),
  ];
}

/**
 * The Job (and, for a configuration file, its ConfigMap) that the chart renders for this launch:
 * the release's template with the name and arguments filled in, and the file mounted as it mounts it.
 */
export function launcherObjects(
  release: string,
  template: V1Job,
  defaults: LauncherDefaults,
  request: LaunchRequest,
): { job: V1Job; configMap?: V1ConfigMap } {
  const job = structuredClone(template);
  const name = launcherJobName(release, request);
  job.metadata = { ...job.metadata, name };
  const pod = job.spec?.template.spec;
  const container = pod?.containers.find((c) => c.name === "run");
  if (!pod || !container)
    throw new Error(`the launcher template of release ${release} has no "run" container`);
  container.args = launcherArgs(request, defaults);
  if (!request.config) return { job };
  container.volumeMounts = [
    ...(container.volumeMounts ?? []),
    { name: "run-config", mountPath: RUN_CONFIG_MOUNT, readOnly: true },
  ];
  pod.volumes = [...(pod.volumes ?? []), { name: "run-config", configMap: { name } }];
  const configMap: V1ConfigMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, labels: { ...job.metadata.labels } },
    data: { "config.yaml": toYaml(request.config) },
  };
  return { job, configMap };
}
