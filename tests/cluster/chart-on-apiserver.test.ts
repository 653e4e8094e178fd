import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { formatSummary } from "../../cli/summary-table";
import { KubernetesCluster } from "../../cluster/kubernetes-cluster";
import { startPreemptionLog } from "../../cluster/preemption-log";
import type { ReleaseStatus } from "../../cluster/release-status";
import { parsePreemptions, WORKER_PREEMPTIONS_FILE } from "../../cluster/worker-preemptions";
import { SqliteSpendLedger } from "../../ledger/sqlite-ledger";
import type { RunSummary } from "../../method/run-summary";
import { projectRoot } from "../../runtime/paths";
import type { RunLedgerReport } from "../../spend/run-ledger-report";
import { FULL_VALUES } from "../helpers/helm";
import { fakeNode, helm, kubectl, type LocalKube, startLocalKube } from "../helpers/local-kube";
import { eventually, startSimulatorProcess, tempDir } from "../helpers/processes";
import { jsonOutput, runSstar } from "../helpers/sstar-cli";

// biome-ignore lint/suspicious/noExplicitAny: API objects are read field by field
type Obj = any;
const NS = "default";
/** The served model name of the full values' first vLLM model. */
const SERVED_MODEL = "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B";
const DEMO_PROBLEMS = join(projectRoot, "demo", "demo-problems.jsonl");

/** False while the promise is pending. */
async function finishedYet(p: Promise<unknown>): Promise<boolean> {
  return Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 0))]);
}

/** The ServiceMonitor CRD, from the prometheus-operator Go module (as the vendored schema is). */
function serviceMonitorCrd(): unknown {
  const dir = (
    JSON.parse(
      execFileSync(
        "go",
        ["mod", "download", "-json", "github.com/prometheus-operator/prometheus-operator@v0.85.0"],
        {
          encoding: "utf8",
          cwd: "/tmp",
        },
      ),
    ) as { Dir: string }
  ).Dir;
  return parseYaml(
    readFileSync(
      join(dir, "example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml"),
      "utf8",
    ),
  );
}

describe("the chart on a real API server (etcd, kube-apiserver, controllers, scheduler, kwok nodes)", () => {
  let kube: LocalKube;
  const dir = tempDir("kube");
  const pods = async (selector: string) =>
    ((
      await kube.api<Obj>(
        "GET",
        `/api/v1/namespaces/${NS}/pods?labelSelector=${encodeURIComponent(selector)}`,
      )
    ).body.items ?? []) as Obj[];
  const nodeOf = (pod: Obj) => pod.spec.nodeName as string | undefined;

  beforeAll(async () => {
    kube = await startLocalKube(join(dir, "cluster"));
    const create = async (path: string, body: unknown) => {
      const r = await kube.api("POST", path, body);
      if (r.status >= 300) throw new Error(`POST ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    };
    const spot = { key: "sstar.dev/spot", value: "true", effect: "NoSchedule" };
    for (const node of [
      fakeNode(
        "spot-a",
        { "sstar.dev/pool": "spot", "topology.kubernetes.io/zone": "a" },
        { taints: [spot] },
      ),
      fakeNode(
        "spot-b",
        { "sstar.dev/pool": "spot", "topology.kubernetes.io/zone": "b" },
        { taints: [spot] },
      ),
      fakeNode("gvisor-a", { "topology.kubernetes.io/zone": "a" }),
      fakeNode(
        "gpu-a",
        { "nvidia.com/gpu.present": "true", "topology.kubernetes.io/zone": "a" },
        { taints: [{ key: "nvidia.com/gpu", effect: "NoSchedule" }], capacity: { "nvidia.com/gpu": "8" } },
      ),
      fakeNode("general-a", { "topology.kubernetes.io/zone": "a" }),
    ])
      await create("/api/v1/nodes", node);
    await create("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", serviceMonitorCrd());
    // The data volume: an NFS-like ReadWriteMany volume the claim binds to.
    await create("/api/v1/persistentvolumes", {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: "sstar-data" },
      spec: {
        capacity: { storage: "1Ti" },
        accessModes: ["ReadWriteMany"],
        storageClassName: "nfs",
        nfs: { server: "10.0.0.9", path: "/exports/sstar" },
      },
    });
    await eventually(async () => {
      const crd = await kube.api<Obj>(
        "GET",
        "/apis/monitoring.coreos.com/v1/namespaces/default/servicemonitors",
      );
      expect(crd.status).toBe(200);
    }, 60_000);
    // As docs/kubernetes.md has the user do it.
    kubectl(kube, ["label", "node", "gvisor-a", "sstar.dev/gvisor=true"]);
    kubectl(kube, [
      "create",
      "secret",
      "generic",
      "sstar-ledger",
      "--from-literal=url=postgres://sstar:secret@postgres.sstar.svc:5432/sstar",
    ]);
    helm(kube, ["install", "sstar", "helm/sstar", "-n", NS, "-f", FULL_VALUES]);
  }, 600_000);

  afterAll(async () => {
    await kube?.stop();
  });

  it("installs every object, and the API server accepts each", async () => {
    const rendered = execFileSync(
      join(".tools", "bin", "helm"),
      ["get", "manifest", "sstar", "-n", NS, "--kubeconfig", kube.kubeconfig],
      {
        encoding: "utf8",
      },
    );
    const kinds = [...rendered.matchAll(/^kind: (\w+)$/gm)].map((m) => m[1]);
    expect(new Set(kinds)).toEqual(
      new Set([
        "ConfigMap",
        "Deployment",
        "HorizontalPodAutoscaler",
        "Job",
        "NetworkPolicy",
        "PersistentVolumeClaim",
        "PodDisruptionBudget",
        "Role",
        "RoleBinding",
        "RuntimeClass",
        "Secret",
        "Service",
        "ServiceAccount",
        "ServiceMonitor",
      ]),
    );
    const deployments = (await kube.api<Obj>("GET", `/apis/apps/v1/namespaces/${NS}/deployments`)).body
      .items as Obj[];
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual([
      "sstar-sandbox",
      "sstar-vllm-qwen-coder-32b",
      "sstar-vllm-r1-distill-qwen-7b",
      "sstar-worker",
    ]);
    const claim = (await kube.api<Obj>("GET", `/api/v1/namespaces/${NS}/persistentvolumeclaims/sstar-data`))
      .body;
    await eventually(async () => {
      const c = (await kube.api<Obj>("GET", `/api/v1/namespaces/${NS}/persistentvolumeclaims/sstar-data`))
        .body;
      expect(c.status.phase).toBe("Bound");
    }, 60_000);
    expect(claim.spec.accessModes).toEqual(["ReadWriteMany"]);
  }, 120_000);

  it("schedules workers onto the spot pool, the sandbox onto gVisor nodes and vLLM onto the GPU node, and they run", async () => {
    await eventually(async () => {
      const workers = await pods("app.kubernetes.io/instance=sstar,app.kubernetes.io/component=worker");
      const sandbox = await pods("app.kubernetes.io/instance=sstar,app.kubernetes.io/component=sandbox");
      const vllm = await pods("app.kubernetes.io/instance=sstar,app.kubernetes.io/component=vllm");
      expect(workers.length).toBeGreaterThan(0);
      expect(sandbox).toHaveLength(3);
      expect(vllm).toHaveLength(2);
      for (const p of workers) expect(nodeOf(p)).toMatch(/^spot-/);
      for (const p of sandbox) expect(nodeOf(p)).toBe("gvisor-a");
      for (const p of vllm) expect(nodeOf(p)).toBe("gpu-a");
      for (const p of [...workers, ...sandbox, ...vllm]) expect(p.status.phase).toBe("Running");
      for (const p of sandbox) expect(p.spec.runtimeClassName).toBe("gvisor");
    }, 120_000);
  }, 180_000);

  it("selects exactly the sandbox pods with the deny-all NetworkPolicy", async () => {
    const policy = (
      await kube.api<Obj>("GET", `/apis/networking.k8s.io/v1/namespaces/${NS}/networkpolicies/sstar-sandbox`)
    ).body;
    const selector = Object.entries(policy.spec.podSelector.matchLabels as Record<string, string>)
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    const selected = await pods(selector);
    expect(selected.length).toBe(3);
    for (const p of selected) expect(p.metadata.labels["app.kubernetes.io/component"]).toBe("sandbox");
    const all = await pods("app.kubernetes.io/instance=sstar");
    expect(all.filter((p) => p.metadata.labels["app.kubernetes.io/component"] === "sandbox")).toHaveLength(3);
    expect(policy.spec.egress ?? []).toEqual([]);
  });

  it("upgrades in place and keeps the sandbox token", async () => {
    const token = async () =>
      (await kube.api<Obj>("GET", `/api/v1/namespaces/${NS}/secrets/sstar-sandbox-token`)).body.data.token;
    const before = await token();
    helm(kube, [
      "upgrade",
      "sstar",
      "helm/sstar",
      "-n",
      NS,
      "-f",
      FULL_VALUES,
      "--set",
      "sandbox.replicas=2",
    ]);
    expect(await token()).toBe(before);
    await eventually(async () => {
      const sandbox = (
        await pods("app.kubernetes.io/instance=sstar,app.kubernetes.io/component=sandbox")
      ).filter((p) => !p.metadata.deletionTimestamp);
      expect(sandbox).toHaveLength(2);
    }, 120_000);
  }, 180_000);

  describe("sstar cluster, as the release's service account", () => {
    let kubeconfig: string;

    beforeAll(async () => {
      // A token for the release's service account: the Role is all it may do.
      const request = await kube.api<Obj>(
        "POST",
        `/api/v1/namespaces/${NS}/serviceaccounts/sstar-sstar/token`,
        {
          apiVersion: "authentication.k8s.io/v1",
          kind: "TokenRequest",
          spec: { expirationSeconds: 3600 },
        },
      );
      expect(request.status).toBe(201);
      kubeconfig = join(dir, "sa.kubeconfig");
      writeFileSync(
        kubeconfig,
        readFileSync(kube.kubeconfig, "utf8").replace(/token: \S+/, `token: ${request.body.status.token}`),
      );
    });

    it("status lists the release's pods by component, with phase and node", async () => {
      const result = await runSstar(
        ["cluster", "status", "--release", "sstar", "--kubeconfig", kubeconfig, "--json"],
        {
          TEMPORAL_ADDRESS: "",
        },
      );
      expect(result.code, result.stderr).toBe(0);
      const status = jsonOutput<ReleaseStatus>(result);
      expect(status.namespace).toBe(NS);
      const components = new Set(status.pods.map((p) => p.component));
      expect(components).toEqual(new Set(["worker", "sandbox", "vllm", "launcher"]));
      for (const p of status.pods.filter((p) => p.component === "vllm")) {
        expect(p.node).toBe("gpu-a");
        expect(p.phase).toBe("Running");
      }
      expect(status.launchers).toHaveLength(1);
      const table = await runSstar(["cluster", "status", "--release", "sstar", "--kubeconfig", kubeconfig], {
        TEMPORAL_ADDRESS: "",
      });
      expect(table.stdout).toMatch(/^worker\s+sstar-worker-\S+\s+Running\s+yes\s+0\s+spot-[ab]/m);
    });

    it("run creates the launcher Job the chart would, which is scheduled and run; the same run twice is one Job", async () => {
      const launch = () =>
        runSstar(
          [
            "cluster",
            "run",
            "demo",
            "--release",
            "sstar",
            "--kubeconfig",
            kubeconfig,
            "--json",
            "--arg=--limit",
            "--arg=3",
          ],
          { TEMPORAL_ADDRESS: "" },
        );
      const first = await launch();
      expect(first.code, first.stderr).toBe(0);
      const launched = jsonOutput<{ job: string; created: boolean; follow: string }>(first);
      expect(launched.created).toBe(true);
      expect(launched.follow).toBe(`kubectl -n ${NS} logs -f job/${launched.job}`);
      const job = (await kube.api<Obj>("GET", `/apis/batch/v1/namespaces/${NS}/jobs/${launched.job}`)).body;
      expect(job.spec.template.spec.containers[0].args).toEqual([
        "run",
        "demo",
        "--no-worker",
        "--json",
        "--endpoint",
        "http://sstar-vllm-r1-distill-qwen-7b:8000/v1",
        "--model",
        "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B",
        "--limit",
        "3",
      ]);
      await eventually(async () => {
        // kwok runs a Job's pod and then completes it.
        const [pod] = await pods(`job-name=${launched.job}`);
        expect(nodeOf(pod)).toBeDefined();
        expect(["Running", "Succeeded"]).toContain(pod?.status.phase);
      }, 120_000);
      const again = jsonOutput<{ job: string; created: boolean }>(await launch());
      expect(again).toMatchObject({ job: launched.job, created: false });
    }, 180_000);

    it("run of the chart's own launch finds the chart's Job; a configuration file is mounted from its ConfigMap", async () => {
      const sameAsChart = await runSstar(
        [
          "cluster",
          "run",
          "sstar-r1-distill-qwen-7b",
          "--dataset",
          "lcb:release_v2",
          "--arg=--limit",
          "--arg=400",
          "--release",
          "sstar",
          "--kubeconfig",
          kubeconfig,
        ],
        { TEMPORAL_ADDRESS: "" },
      );
      expect(sameAsChart.code, sameAsChart.stderr).toBe(0);
      const chartJob = (
        (
          await kube.api<Obj>(
            "GET",
            `/apis/batch/v1/namespaces/${NS}/jobs?labelSelector=${encodeURIComponent("app.kubernetes.io/component=launcher")}`,
          )
        ).body.items as Obj[]
      ).map((j) => j.metadata.name as string);
      expect(sameAsChart.stdout).toMatch(
        /^already there \(the same run\): job\/(sstar-run-[0-9a-f]{8}) in default$/m,
      );
      expect(chartJob).toContain(sameAsChart.stdout.match(/job\/(sstar-run-[0-9a-f]{8})/)?.[1]);

      const file = join(dir, "my-config.yaml");
      writeFileSync(file, "name: mine\npreset: demo\nbudget:\n  n: 4\n  rounds: 2\n");
      const launched = jsonOutput<{ job: string; created: boolean }>(
        await runSstar(["cluster", "run", file, "--release", "sstar", "--kubeconfig", kubeconfig, "--json"], {
          TEMPORAL_ADDRESS: "",
        }),
      );
      expect(launched.created).toBe(true);
      const config = (await kube.api<Obj>("GET", `/api/v1/namespaces/${NS}/configmaps/${launched.job}`)).body;
      expect(parseYaml(config.data["config.yaml"])).toEqual({
        name: "mine",
        preset: "demo",
        budget: { n: 4, rounds: 2 },
      });
      const job = (await kube.api<Obj>("GET", `/apis/batch/v1/namespaces/${NS}/jobs/${launched.job}`)).body;
      expect(job.spec.template.spec.containers[0].args.slice(0, 2)).toEqual([
        "run",
        "/etc/sstar/run/config.yaml",
      ]);
      expect(job.spec.template.spec.volumes).toContainEqual({
        name: "run-config",
        configMap: { name: launched.job, defaultMode: 420 },
      });
    });

    it("works in-cluster too, from the pod's service-account files and the API server's address", async () => {
      const root = join(dir, "pod-root");
      const files = join(root, "var/run/secrets/kubernetes.io/serviceaccount");
      mkdirSync(files, { recursive: true });
      writeFileSync(join(files, "token"), readFileSync(kubeconfig, "utf8").match(/token: (\S+)/)?.[1] ?? "");
      // The API server's self-signed serving certificate is its own CA.
      writeFileSync(join(files, "ca.crt"), readFileSync(join(kube.dir, "certs", "apiserver.crt")));
      writeFileSync(join(files, "namespace"), NS);
      const url = new URL(kube.server);
      const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
      process.env.KUBERNETES_SERVICE_HOST = url.hostname;
      process.env.KUBERNETES_SERVICE_PORT = url.port;
      try {
        const api = new KubernetesCluster({ inClusterRoot: root });
        expect(api.namespace).toBe(NS);
        const workers = await api.listPods(
          "app.kubernetes.io/instance=sstar,app.kubernetes.io/component=worker",
        );
        expect(workers.length).toBeGreaterThan(0);
      } finally {
        process.env.KUBERNETES_SERVICE_HOST = saved.host;
        process.env.KUBERNETES_SERVICE_PORT = saved.port;
        if (saved.host === undefined) delete process.env.KUBERNETES_SERVICE_HOST;
        if (saved.port === undefined) delete process.env.KUBERNETES_SERVICE_PORT;
      }
    });

    it("a launcher records the worker pods a run loses: evicted, then deleted", async () => {
      const results = join(dir, "preempted-run");
      mkdirSync(results, { recursive: true });
      const lines: string[] = [];
      const api = new KubernetesCluster({ kubeconfig });
      const stop = await startPreemptionLog(api, "sstar", results, (line) => lines.push(line));
      try {
        const workers = () => pods("app.kubernetes.io/instance=sstar,app.kubernetes.io/component=worker");
        const [first] = (await workers()).filter((p) => !p.metadata.deletionTimestamp);
        const eviction = await kube.api(
          "POST",
          `/api/v1/namespaces/${NS}/pods/${first.metadata.name}/eviction`,
          {
            apiVersion: "policy/v1",
            kind: "Eviction",
            metadata: { name: first.metadata.name, namespace: NS },
          },
        );
        expect(eviction.status, JSON.stringify(eviction.body)).toBe(201);
        let second: Obj;
        await eventually(async () => {
          [second] = (await workers()).filter(
            (p) => !p.metadata.deletionTimestamp && p.metadata.name !== first.metadata.name,
          );
          expect(second).toBeDefined();
        }, 60_000);
        expect(
          (await kube.api("DELETE", `/api/v1/namespaces/${NS}/pods/${second.metadata.name}`)).status,
        ).toBe(200);
        await eventually(async () => {
          const recorded = parsePreemptions(readFileSync(join(results, WORKER_PREEMPTIONS_FILE), "utf8"));
          expect(recorded.map((e) => [e.pod, e.reason])).toEqual([
            [first.metadata.name, "EvictionByEvictionAPI"],
            [second.metadata.name, "Deleted"],
          ]);
          expect(recorded[0]?.node).toMatch(/^spot-/);
        }, 60_000);
        expect(lines.filter((l) => l.includes("went away"))).toHaveLength(2);
      } finally {
        stop();
      }
    }, 180_000);

    it("sstar run in the launcher's place: its summary counts the worker preemption it survived, and GPU-seconds accrue while the vLLM pods run", async () => {
      const data = join(dir, "run-data");
      // An endpoint serving the chart's first vLLM model by name, as the vLLM pod would.
      const simConfig = join(dir, "sim-r1.yaml");
      writeFileSync(simConfig, `models: ["${SERVED_MODEL}"]\n`);
      const sim = await startSimulatorProcess(join(dir, "sim-data"), DEMO_PROBLEMS, {
        seed: 7,
        config: simConfig,
      });
      let stderr = "";
      const startedAt = Date.now();
      const finished = runSstar(
        [
          "--data-dir",
          data,
          "run",
          "demo",
          "--limit",
          "2",
          "--endpoint",
          sim.url,
          "--model",
          SERVED_MODEL,
          "--json",
        ],
        {
          TEMPORAL_ADDRESS: "",
          KUBECONFIG: kubeconfig,
          SSTAR_CLUSTER_RELEASE: "sstar",
          POD_NAMESPACE: NS,
          SSTAR_GPU_SLICE_SECONDS: "1",
          SSTAR_GPU_LAG_SECONDS: "1",
        },
        600_000,
        (chunk) => {
          stderr += chunk;
        },
      );
      await eventually(
        async () => expect(stderr).toMatch(/^metering GPU time of release sstar's vLLM pods for run (\S+)/m),
        300_000,
      );
      const runId = stderr.match(/^metering GPU time of release sstar's vLLM pods for run (\S+)/m)?.[1] ?? "";
      // While the run goes on, its GPU time is in the ledger already.
      const ledger = await SqliteSpendLedger.open(join(data, "ledger.sqlite"));
      try {
        await eventually(async () => {
          expect((await ledger.totals(runId)).rows[0]?.gpuSeconds ?? 0).toBeGreaterThan(0);
        }, 300_000);
      } finally {
        await ledger.close();
      }
      const runningWhileMetered = (await finishedYet(finished)) === false;
      // Once the launcher watches, a worker pod is lost while the run goes on.
      await eventually(
        async () => expect(stderr).toMatch(/^recording preemptions of release sstar's workers/m),
        300_000,
      );
      const [worker] = (
        await pods("app.kubernetes.io/instance=sstar,app.kubernetes.io/component=worker")
      ).filter((p) => !p.metadata.deletionTimestamp);
      expect((await kube.api("DELETE", `/api/v1/namespaces/${NS}/pods/${worker.metadata.name}`)).status).toBe(
        200,
      );
      const result = await finished;
      expect(result.code, result.stderr.slice(-3000)).toBe(0);
      const summary = jsonOutput<RunSummary>(result);
      expect(summary.problems).toBe(2);
      expect(summary.worker_preemptions?.count).toBe(1);
      expect(summary.worker_preemptions?.events[0]).toMatchObject({
        pod: worker.metadata.name,
        reason: "Deleted",
      });
      expect(formatSummary(summary)).toContain(
        `survived 1 worker preemption(s): ${worker.metadata.name} (Deleted)`,
      );
      sim.child.kill("SIGTERM");

      // The run held the 1-GPU pod of its model alone: charged GPU time is about its wall time.
      expect(runningWhileMetered).toBe(true);
      const wallSeconds = (Date.now() - startedAt) / 1000;
      const gpu = summary.gpu_time;
      expect(gpu?.gpu_seconds).toBeGreaterThan(0);
      expect(gpu?.gpu_seconds).toBeLessThanOrEqual(wallSeconds);
      expect(gpu?.other_runs_gpu_seconds).toBe(0);
      const report = jsonOutput<RunLedgerReport>(
        await runSstar(["--data-dir", data, "ledger", summary.run_id, "--json"], {}),
      );
      expect(report.totals.gpu_seconds).toBeCloseTo(gpu?.gpu_seconds ?? -1, 6);
      const generate = report.rows.find((r) => r.stage === "generate" && r.role === null);
      expect(generate?.gpu_seconds).toBeGreaterThan(0);
      expect(stderr).toMatch(/^GPU time: [\d.]+ GPU-s charged to this run/m);
    }, 600_000);

    it("is refused what the Role does not grant", async () => {
      const token = readFileSync(kubeconfig, "utf8").match(/token: (\S+)/)?.[1];
      const { request } = await import("node:https");
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(
          `${kube.server}/api/v1/namespaces/${NS}/secrets`,
          { rejectUnauthorized: false, headers: { authorization: `Bearer ${token}` } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on("error", reject);
        req.end();
      });
      expect(status).toBe(403);
      const result = await runSstar(
        ["cluster", "status", "--release", "sstar", "--kubeconfig", kubeconfig, "-N", "kube-system"],
        {
          TEMPORAL_ADDRESS: "",
        },
      );
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(
        /list (pods|jobs) .* in namespace kube-system at https:\/\/127\.0\.0\.1:\d+: HTTP 403/,
      );
    });
  });
});
