import type { V1Job } from "@kubernetes/client-node";
import type { Command } from "commander";
import { parse as parseYaml } from "yaml";
import type { ClusterApi } from "../../cluster/cluster-api";
import {
  type LauncherDefaults,
  type LaunchRequest,
  launcherConfigMapName,
  launcherObjects,
} from "../../cluster/launcher-job";
import { type ReleaseStatus, releaseSelector, releaseStatus } from "../../cluster/release-status";
import { readNamedText } from "../../config/read-named-file";
import { connectClient } from "../../runtime/temporal-client";
import { openTemporalTarget } from "../../runtime/temporal-target";
import type { RunProgress } from "../../workflows/pipeline-types";
import { progressQuery } from "../../workflows/run-workflow";
import { UsageError } from "../exit-errors";
import { formatTable } from "../table";
import { progressLine } from "./run";

interface ClusterOptions {
  release: string;
  namespace?: string;
  kubeconfig?: string;
  context?: string;
  json?: boolean;
}

/** client-node is loaded only by the commands that talk to a cluster: every other command starts faster. */
async function clusterOf(o: ClusterOptions): Promise<ClusterApi> {
  const { KubernetesCluster } = await import("../../cluster/kubernetes-cluster");
  return new KubernetesCluster({ kubeconfig: o.kubeconfig, context: o.context, namespace: o.namespace });
}

export function registerCluster(program: Command): void {
  const cluster = program
    .command("cluster")
    .description("a release of the Helm chart (helm/sstar) on Kubernetes: its pods and runs");
  const common = (c: Command) =>
    c
      .option("--release <name>", "the Helm release", "sstar")
      .option("-N, --namespace <ns>", "its namespace (default: the kubeconfig context's, or the pod's own)")
      .option("--kubeconfig <file>", "kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or in-cluster)")
      .option("--context <name>", "kubeconfig context")
      .option("--json", "print one JSON object");

  common(
    cluster
      .command("status")
      .description(
        "the release's workers, sandbox, vLLM and launcher pods (phase, restarts, node) and its runs",
      ),
  ).action(async (options: ClusterOptions) => {
    const api = await clusterOf(options);
    const selector = releaseSelector(options.release);
    const [pods, jobs] = await Promise.all([
      api.listPods(selector),
      api.listJobs(`${selector},app.kubernetes.io/component=launcher`),
    ]);
    const status = releaseStatus(options.release, api.namespace, pods, jobs);
    const runs = await runningRuns();
    if (options.json) console.log(JSON.stringify({ ...status, runs }));
    else console.log(formatStatus(status, runs));
  });

  common(
    cluster
      .command("run")
      .description("start a run in the cluster: creates the release's launcher Job (`sstar run --no-worker`)")
      .argument("<preset-or-config>", "a preset name, or a run configuration file (YAML or JSON)")
      .option("--dataset <file-or-url>", "dataset (a file on the data volume, a URL or lcb: spec)")
      .option("--endpoint <url>", "OpenAI-compatible base URL (default: the release's vLLM or endpoint)")
      .option("--model <name>", "model name (default: the release's)")
      .option(
        "--arg <flag>",
        "another `sstar run` flag, repeatable (e.g. --arg=--limit --arg=400)",
        collect,
        [],
      ),
  ).action(
    async (
      target: string,
      options: ClusterOptions & Omit<LaunchRequest, "extraArgs"> & { arg: string[] },
    ) => {
      const api = await clusterOf(options);
      const request: LaunchRequest = {
        ...(looksLikeFile(target) ? { config: readConfig(target) } : { preset: target }),
        dataset: options.dataset,
        endpoint: options.endpoint,
        model: options.model,
        extraArgs: options.arg,
      };
      const templateName = launcherConfigMapName(options.release);
      const template = await api.readConfigMap(templateName);
      if (!template?.data?.["job.json"])
        throw new UsageError(
          `no launcher template ${templateName} in namespace ${api.namespace}: is release ${options.release} installed there (helm install ${options.release} helm/sstar)?`,
        );
      const defaults = JSON.parse(template.data["defaults.json"] ?? "{}") as LauncherDefaults;
      const { job, configMap } = launcherObjects(
        options.release,
        JSON.parse(template.data["job.json"]) as V1Job,
        defaults,
        request,
      );
      if (configMap) await api.createConfigMap(configMap);
      const created = await api.createJob(job);
      const name = job.metadata?.name as string;
      const follow = `kubectl -n ${api.namespace} logs -f job/${name}`;
      if (options.json)
        console.log(
          JSON.stringify({ job: name, namespace: api.namespace, created: created === "created", follow }),
        );
      else
        console.log(
          `${created === "created" ? "created" : "already there (the same run)"}: job/${name} in ${api.namespace}\n` +
            `follow it: ${follow}\nprogress: sstar cluster status --release ${options.release}`,
        );
    },
  );
}

const collect = (value: string, previous: string[]) => [...previous, value];

const looksLikeFile = (target: string) => /\.(ya?ml|json)$/i.test(target) || target.includes("/");

function readConfig(file: string): Record<string, unknown> {
  const parsed = parseYaml(readNamedText(file)) as unknown;
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
    throw new UsageError(`${file}: a run configuration must be a mapping`);
  return parsed as Record<string, unknown>;
}

interface RunLine {
  workflowId: string;
  progress?: RunProgress;
}

/** Runs in progress on the Temporal cluster TEMPORAL_ADDRESS names; none when it is not set. */
async function runningRuns(): Promise<RunLine[] | { error: string } | null> {
  if (!process.env.TEMPORAL_ADDRESS) return null;
  try {
    const client = await connectClient(await openTemporalTarget(""));
    try {
      const lines: RunLine[] = [];
      for await (const w of client.workflow.list({
        query: "WorkflowType = 'runWorkflow' AND ExecutionStatus = 'Running'",
      })) {
        const progress = await client.workflow
          .getHandle(w.workflowId)
          .query<RunProgress>(progressQuery)
          .catch(() => undefined);
        lines.push({ workflowId: w.workflowId, progress });
      }
      return lines;
    } finally {
      await client.connection.close();
    }
  } catch (err) {
    return { error: `Temporal at ${process.env.TEMPORAL_ADDRESS}: ${(err as Error).message}` };
  }
}

function formatStatus(status: ReleaseStatus, runs: RunLine[] | { error: string } | null): string {
  const pods = formatTable(
    ["component", "pod", "phase", "ready", "restarts", "node", "reason"],
    status.pods.map((p) => [
      p.component,
      p.name,
      p.phase,
      p.ready ? "yes" : "no",
      String(p.restarts),
      p.node ?? "-",
      p.reason ?? "",
    ]),
  );
  const launchers = status.launchers.length
    ? formatTable(
        ["launcher job", "state", "failed pods", "sstar"],
        status.launchers.map((l) => [l.name, l.state, String(l.failed), l.args.join(" ")]),
      )
    : "no launcher jobs (start a run: sstar cluster run PRESET)";
  const runLines =
    runs === null
      ? ["runs: set TEMPORAL_ADDRESS to see their progress"]
      : "error" in runs
        ? [`runs: ${runs.error}`]
        : runs.length === 0
          ? ["runs: none running"]
          : runs.map((r) => `${r.workflowId}: ${r.progress ? progressLine(r.progress) : "running"}`);
  return [
    `release ${status.release} in namespace ${status.namespace}: ${status.pods.length} pods`,
    "",
    status.pods.length ? pods : "no pods",
    "",
    launchers,
    "",
    ...runLines,
  ].join("\n");
}
