import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { projectRoot } from "../runtime/paths";
import { WORKER_DRAIN_SECONDS } from "../worker/drain";
import {
  CHART,
  FULL_VALUES,
  find,
  HELM,
  KUBECONFORM,
  type KubeObject,
  kubeconformArgs,
  renderChart,
} from "./helpers/helm";

const full = renderChart(["-f", FULL_VALUES]);
const defaults = renderChart();

const podSpecs = (objects: KubeObject[]) =>
  objects
    .filter((o) => o.kind === "Deployment" || o.kind === "Job")
    .map((o) => ({
      name: `${o.kind}/${o.metadata.name}`,
      spec: o.spec.template.spec,
      labels: o.spec.template.metadata.labels,
    }));

const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe("the Helm chart", () => {
  it("lints clean with the default values and with every optional part on", () => {
    for (const args of [[], ["-f", FULL_VALUES]]) {
      const lint = spawnSync(HELM, ["lint", CHART, "--strict", ...args], { encoding: "utf8" });
      expect(lint.status, lint.stdout + lint.stderr).toBe(0);
    }
  });

  it("renders objects that validate against the Kubernetes schemas it states, offline", () => {
    for (const { text } of [defaults, full]) {
      const result = spawnSync(KUBECONFORM, ["-strict", "-summary", ...kubeconformArgs(), "-"], {
        input: text,
        encoding: "utf8",
        cwd: projectRoot,
      });
      expect(result.status, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toMatch(/Invalid: 0, Errors: 0, Skipped: 0/);
    }
    const chart = readFileSync(join(CHART, "Chart.yaml"), "utf8");
    expect(chart).toMatch(/^kubeVersion: ">=1\.30\.0-0"$/m);
  });

  it("renders every part with the full values", () => {
    const kinds = new Set(full.objects.map((o) => o.kind));
    for (const kind of [
      "Deployment",
      "Service",
      "NetworkPolicy",
      "PodDisruptionBudget",
      "HorizontalPodAutoscaler",
      "ServiceAccount",
      "Role",
      "RoleBinding",
      "Job",
      "ConfigMap",
      "RuntimeClass",
      "ServiceMonitor",
      "Secret",
      "PersistentVolumeClaim",
    ])
      expect(kinds, kind).toContain(kind);
  });

  it("gives workers a grace period above their drain, spread and spot placement", () => {
    const worker = find(full.objects, "Deployment", "t-worker").spec.template.spec;
    expect(worker.terminationGracePeriodSeconds).toBeGreaterThan(WORKER_DRAIN_SECONDS);
    const defaultWorker = find(defaults.objects, "Deployment", "t-worker").spec.template.spec;
    expect(defaultWorker.terminationGracePeriodSeconds).toBeGreaterThan(WORKER_DRAIN_SECONDS);
    expect(worker.topologySpreadConstraints.map((c: { topologyKey: string }) => c.topologyKey)).toEqual([
      "kubernetes.io/hostname",
      "topology.kubernetes.io/zone",
    ]);
    expect(worker.nodeSelector).toEqual({ "sstar.dev/pool": "spot" });
    expect(worker.tolerations[0].key).toBe("sstar.dev/spot");
    const env = Object.fromEntries(
      worker.containers[0].env.map((e: { name: string; value?: string }) => [e.name, e]),
    );
    expect(env.SSTAR_SANDBOX_URL.value).toBe("http://t-sandbox:8080");
    expect(env.SSTAR_LEDGER_URL.valueFrom.secretKeyRef).toEqual({ name: "sstar-ledger", key: "url" });
    // With the HPA on, the Deployment leaves the replica count to it.
    expect(find(full.objects, "Deployment", "t-worker").spec.replicas).toBeUndefined();
    expect(find(defaults.objects, "Deployment", "t-worker").spec.replicas).toBe(2);
  });

  it("runs the sandbox pool under gVisor with restricted Pod Security and a token from a Secret", () => {
    const sandbox = find(full.objects, "Deployment", "t-sandbox").spec.template.spec;
    expect(sandbox.runtimeClassName).toBe("gvisor");
    expect(sandbox.automountServiceAccountToken).toBe(false);
    expect(sandbox.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    const container = sandbox.containers[0];
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(container.args).toEqual(expect.arrayContaining(["--token-env", "SSTAR_SANDBOX_TOKEN"]));
    expect(container.env[0].valueFrom.secretKeyRef.name).toBe("t-sandbox-token");
    expect(find(full.objects, "Secret", "t-sandbox-token").data.token).toMatch(/^[A-Za-z0-9+/=]{40,}$/);
    // Every pod of the release runs without privilege escalation and as non-root.
    for (const { name, spec } of podSpecs(full.objects).filter((p) => !p.name.includes("vllm")))
      for (const c of spec.containers) {
        expect(c.securityContext?.allowPrivilegeEscalation, name).toBe(false);
        expect(c.securityContext?.readOnlyRootFilesystem, name).toBe(true);
      }
  });

  it("denies the sandbox pods every connection but the workers' to its port", () => {
    const policy = find(full.objects, "NetworkPolicy", "t-sandbox").spec;
    const sandbox = find(full.objects, "Deployment", "t-sandbox").spec.template.metadata.labels;
    const worker = find(full.objects, "Deployment", "t-worker").spec.template.metadata.labels;
    expect(matches(policy.podSelector.matchLabels, sandbox)).toBe(true);
    expect(matches(policy.podSelector.matchLabels, worker)).toBe(false);
    expect(policy.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(policy.egress).toEqual([]);
    const fromWorkers = policy.ingress[0];
    expect(matches(fromWorkers.from[0].podSelector.matchLabels, worker)).toBe(true);
    expect(fromWorkers.ports).toEqual([{ protocol: "TCP", port: 8080 }]);
    // No pod of the release other than the sandbox pool is selected.
    for (const { name, labels } of podSpecs(full.objects))
      if (!name.endsWith("t-sandbox"))
        expect(matches(policy.podSelector.matchLabels, labels), name).toBe(false);
  });

  it("selects each Deployment's own pods and nothing else's", () => {
    const deployments = full.objects.filter((o) => o.kind === "Deployment");
    for (const d of deployments)
      for (const other of deployments)
        expect(
          matches(d.spec.selector.matchLabels, other.spec.template.metadata.labels),
          `${d.metadata.name} ⊇ ${other.metadata.name}`,
        ).toBe(d === other);
    for (const s of full.objects.filter((o) => o.kind === "Service"))
      expect(
        deployments.filter((d) => matches(s.spec.selector, d.spec.template.metadata.labels)),
        s.metadata.name,
      ).toHaveLength(1);
  });

  it("serves each vLLM model on GPU nodes with a /health readiness probe, and points the launcher at it", () => {
    const vllm = full.objects.filter(
      (o) => o.metadata.labels?.["app.kubernetes.io/component"] === "vllm" && o.kind === "Deployment",
    );
    expect(vllm.map((d) => d.metadata.name)).toEqual(["t-vllm-r1-distill-qwen-7b", "t-vllm-qwen-coder-32b"]);
    const big = vllm[1]?.spec.template.spec;
    expect(big.containers[0].resources.requests["nvidia.com/gpu"]).toBe(4);
    expect(big.containers[0].args).toEqual(
      expect.arrayContaining(["--max-num-seqs", "128", "--tensor-parallel-size", "4"]),
    );
    expect(big.containers[0].readinessProbe.httpGet.path).toBe("/health");
    expect(big.tolerations[0].key).toBe("nvidia.com/gpu");
    // The GPU meter ties a pod's GPUs to the requests naming its served model (cluster/gpu-occupancy.ts).
    for (const d of vllm) {
      const { args: vllmArgs } = d.spec.template.spec.containers[0];
      const served = vllmArgs[vllmArgs.indexOf("--served-model-name") + 1];
      expect(d.spec.template.metadata.annotations["sstar.dev/served-model"]).toBe(served);
    }
    expect(vllm[1]?.spec.template.metadata.annotations["sstar.dev/served-model"]).toBe("qwen-coder-32b");
    const job = full.objects.find((o) => o.kind === "Job");
    const args = job?.spec.template.spec.containers[0].args as string[];
    expect(args.slice(0, 4)).toEqual(["run", "sstar-r1-distill-qwen-7b", "--no-worker", "--json"]);
    expect(args).toEqual(
      expect.arrayContaining([
        "--endpoint",
        "http://t-vllm-r1-distill-qwen-7b:8000/v1",
        "--model",
        "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B",
        "--dataset",
        "lcb:release_v2",
      ]),
    );
  });

  it("ships the repository's Grafana dashboard, unchanged, as a sidecar ConfigMap", () => {
    const map = find(full.objects, "ConfigMap", "t-grafana-dashboard");
    expect(map.metadata.labels?.grafana_dashboard).toBe("1");
    const shipped = readFileSync(join(projectRoot, "grafana", "sstar-spend-dashboard.json"), "utf8");
    expect(JSON.parse(map.data["sstar-spend-dashboard.json"])).toEqual(JSON.parse(shipped));
  });

  it("refuses to render without a ledger Secret, saying why", () => {
    const result = spawnSync(HELM, ["template", "t", CHART, "--set", "ledger.urlSecret="], {
      encoding: "utf8",
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/ledger\.urlSecret: name a Secret/);
  });

  it("documents every value in the README's table", () => {
    const readme = readFileSync(join(CHART, "README.md"), "utf8");
    const values = parseYaml(readFileSync(join(CHART, "values.yaml"), "utf8")) as Record<string, unknown>;
    const leaves: string[] = [];
    const walk = (node: unknown, path: string) => {
      // Maps handed to Kubernetes as they are (resources, node selectors, labels) are one value each.
      const opaque = /(^|\.)(resources|nodeSelector|labels)$/.test(path);
      if (!opaque && node && typeof node === "object" && !Array.isArray(node) && Object.keys(node).length > 0)
        for (const [k, v] of Object.entries(node)) walk(v, path ? `${path}.${k}` : k);
      else leaves.push(path);
    };
    walk(values, "");
    for (const key of leaves.filter((k) => !k.startsWith("vllm.models")))
      expect(readme, key).toContain(`\`${key}\``);
  });
});
