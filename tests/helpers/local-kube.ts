import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { projectRoot } from "../../runtime/paths";
import { killHard, waitFor } from "./processes";

const BIN = join(projectRoot, ".tools", "bin");
export const KUBE_BINARIES = [
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kwok",
  "kubectl",
];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface LocalKube {
  dir: string;
  kubeconfig: string;
  server: string;
  /** `kubectl`-free access: a JSON request to the API server as the admin. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

/**
 * A real Kubernetes control plane on loopback, from binaries built from their Go modules
 * (scripts/build-kube-tools.sh): etcd, kube-apiserver with RBAC, the controller manager (Deployments,
 * ReplicaSets, Jobs, volumes), the scheduler, and kwok, which plays the kubelet of fake nodes.
 */
export async function startLocalKube(dir: string): Promise<LocalKube> {
  for (const b of KUBE_BINARIES)
    if (!existsSync(join(BIN, b)))
      throw new Error(`.tools/bin/${b} is missing: run bash scripts/build-kube-tools.sh`);
  mkdirSync(dir, { recursive: true });
  const processes: ChildProcess[] = [];
  const start = (name: string, args: string[]) => {
    const log = createWriteStream(join(dir, `${name}.log`));
    const child = spawn(join(BIN, name), args, { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    processes.push(child);
    return child;
  };
  const stop = async () => {
    for (const p of processes.reverse()) await killHard(p);
  };

  try {
    const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
    start("etcd", [
      "--data-dir",
      join(dir, "etcd"),
      "--listen-client-urls",
      `http://127.0.0.1:${etcdClient}`,
      "--advertise-client-urls",
      `http://127.0.0.1:${etcdClient}`,
      "--listen-peer-urls",
      `http://127.0.0.1:${etcdPeer}`,
      "--initial-advertise-peer-urls",
      `http://127.0.0.1:${etcdPeer}`,
      "--initial-cluster",
      `default=http://127.0.0.1:${etcdPeer}`,
      "--unsafe-no-fsync",
    ]);

    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const saKey = join(dir, "sa.key");
    const saPub = join(dir, "sa.pub");
    writeFileSync(saKey, privateKey.export({ type: "pkcs8", format: "pem" }));
    writeFileSync(saPub, publicKey.export({ type: "spki", format: "pem" }));
    const token = randomBytes(24).toString("hex");
    writeFileSync(join(dir, "tokens.csv"), `${token},admin,admin,"system:masters"\n`);
    start("kube-apiserver", [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      "--bind-address=127.0.0.1",
      // Endpoints may not hold a loopback address; nothing connects to this one.
      "--advertise-address=10.255.0.1",
      `--secure-port=${apiPort}`,
      `--cert-dir=${join(dir, "certs")}`,
      `--token-auth-file=${join(dir, "tokens.csv")}`,
      "--authorization-mode=RBAC",
      `--service-account-key-file=${saPub}`,
      `--service-account-signing-key-file=${saKey}`,
      "--service-account-issuer=https://kubernetes.default.svc",
      "--service-cluster-ip-range=10.96.0.0/16",
      "--enable-priority-and-fairness=false",
    ]);
    const server = `https://127.0.0.1:${apiPort}`;
    const kubeconfig = join(dir, "admin.kubeconfig");
    writeFileSync(
      kubeconfig,
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        `- name: local\n  cluster:\n    server: ${server}\n    insecure-skip-tls-verify: true`,
        "users:",
        `- name: admin\n  user:\n    token: ${token}`,
        "contexts:",
        "- name: local\n  context:\n    cluster: local\n    user: admin\n    namespace: default",
        "current-context: local",
        "",
      ].join("\n"),
    );

    // The API server's certificate is self-signed: trust it for this process's requests only.
    const api = async <T>(method: string, path: string, body?: unknown) => {
      const { request } = await import("node:https");
      return new Promise<{ status: number; body: T }>((resolve, reject) => {
        const req = request(
          `${server}${path}`,
          {
            method,
            rejectUnauthorized: false,
            headers: {
              authorization: `Bearer ${token}`,
              "content-type": method === "PATCH" ? "application/merge-patch+json" : "application/json",
            },
          },
          (res) => {
            let text = "";
            res.on("data", (d: Buffer) => {
              text += d.toString();
            });
            res.on("end", () => {
              let parsed: unknown = text;
              try {
                parsed = JSON.parse(text);
              } catch {}
              resolve({ status: res.statusCode ?? 0, body: parsed as T });
            });
          },
        );
        req.on("error", reject);
        if (body !== undefined) req.write(JSON.stringify(body));
        req.end();
      });
    };
    await waitFor(async () => {
      const r = await api("GET", "/readyz").catch(() => undefined);
      return r?.status === 200 ? true : undefined;
    }, 120_000);

    start("kube-controller-manager", [
      `--kubeconfig=${kubeconfig}`,
      "--leader-elect=false",
      "--secure-port=0",
      `--service-account-private-key-file=${saKey}`,
      "--use-service-account-credentials=false",
      "--controllers=" +
        [
          "deployment",
          "replicaset",
          "job",
          "ttl-after-finished",
          "serviceaccount",
          "namespace",
          "garbage-collector",
          "disruption",
          "persistentvolume-binder",
          "endpointslice",
          "pod-garbage-collector",
          // Takes the not-ready taint off a node once kwok reports it Ready.
          "node-lifecycle",
        ]
          .map((c) => `${c}-controller`)
          .join(","),
    ]);
    start("kube-scheduler", [`--kubeconfig=${kubeconfig}`, "--leader-elect=false", "--secure-port=0"]);
    start("kwok", [
      `--kubeconfig=${kubeconfig}`,
      "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
      "--cidr=10.0.0.1/16",
      "--node-ip=10.0.0.1",
      "--node-lease-duration-seconds=40",
    ]);
    // The controller manager makes each namespace's default service account.
    await waitFor(async () => {
      const r = await api("GET", "/api/v1/namespaces/default/serviceaccounts/default");
      return r.status === 200 ? true : undefined;
    }, 120_000);
    return { dir, kubeconfig, server, api, stop };
  } catch (err) {
    await stop();
    const logs = KUBE_BINARIES.map((b) => {
      const file = join(dir, `${b}.log`);
      return existsSync(file)
        ? `--- ${b}\n${readFileSync(file, "utf8").split("\n").slice(-15).join("\n")}`
        : "";
    }).join("\n");
    throw new Error(`the local control plane did not start: ${(err as Error).message}\n${logs}`);
  }
}

/** A fake node kwok runs pods on: its labels, taints and capacity (e.g. `nvidia.com/gpu`). */
export function fakeNode(
  name: string,
  labels: Record<string, string>,
  options: {
    taints?: { key: string; value?: string; effect: string }[];
    capacity?: Record<string, string>;
  } = {},
) {
  const capacity = { cpu: "32", memory: "256Gi", pods: "110", ...options.capacity };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
      labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", type: "kwok", ...labels },
    },
    spec: { taints: options.taints ?? [] },
    status: { allocatable: capacity, capacity },
  };
}

/** `helm` against the local cluster. */
export function helm(kube: LocalKube, args: string[]): string {
  return execFileSync(join(BIN, "helm"), [...args, "--kubeconfig", kube.kubeconfig], {
    cwd: projectRoot,
    encoding: "utf8",
  });
}

/** `kubectl` against the local cluster. */
export function kubectl(kube: LocalKube, args: string[]): string {
  return execFileSync(join(BIN, "kubectl"), ["--kubeconfig", kube.kubeconfig, ...args], {
    cwd: projectRoot,
    encoding: "utf8",
  });
}
