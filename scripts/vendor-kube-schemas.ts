/**
 * Writes the JSON schemas kubeconform validates the chart against (helm/sstar/schemas/), offline:
 * Kubernetes' own OpenAPI document from the k8s.io/kubernetes Go module and the ServiceMonitor CRD
 * from the prometheus-operator module, both fetched through the Go module proxy. Each schema is
 * standalone (every $ref inlined) and strict (objects refuse unknown fields), as kubeconform's
 * `-strict` expects. Run: `npm run vendor:kube-schemas` (helm/sstar/README.md).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";

export const KUBERNETES_VERSION = "v1.34.4";
const PROMETHEUS_OPERATOR_VERSION = "v0.85.0";

/** The kinds the chart renders, as (apiVersion, kind). */
const CHART_KINDS: [string, string][] = [
  ["v1", "ConfigMap"],
  ["v1", "PersistentVolumeClaim"],
  ["v1", "Secret"],
  ["v1", "Service"],
  ["v1", "ServiceAccount"],
  ["apps/v1", "Deployment"],
  ["autoscaling/v2", "HorizontalPodAutoscaler"],
  ["batch/v1", "Job"],
  ["networking.k8s.io/v1", "NetworkPolicy"],
  ["node.k8s.io/v1", "RuntimeClass"],
  ["policy/v1", "PodDisruptionBudget"],
  ["rbac.authorization.k8s.io/v1", "Role"],
  ["rbac.authorization.k8s.io/v1", "RoleBinding"],
];

type Schema = Record<string, unknown>;

function moduleDir(module: string, version: string): string {
  const out = execFileSync("go", ["mod", "download", "-json", `${module}@${version}`], {
    encoding: "utf8",
    cwd: "/tmp",
  });
  return (JSON.parse(out) as { Dir: string }).Dir;
}

/** kubeconform's file name: kind, then `-<first label of the group>` if any, then `-<version>`. */
export function schemaFileName(apiVersion: string, kind: string): string {
  const [groupOrVersion, version] = apiVersion.split("/");
  const suffix = version ? `-${(groupOrVersion ?? "").split(".")[0]}-${version}` : `-${groupOrVersion}`;
  return `${kind}${suffix}.json`.toLowerCase();
}

/** Inlines $refs, turns int-or-string into its two types, and closes every object with properties. */
function standaloneStrict(node: unknown, definitions: Record<string, Schema>, seen: string[] = []): unknown {
  if (Array.isArray(node)) return node.map((x) => standaloneStrict(x, definitions, seen));
  if (node === null || typeof node !== "object") return node;
  const schema = node as Schema;
  const ref = schema.$ref;
  if (typeof ref === "string") {
    const name = ref.replace("#/definitions/", "");
    // The API server takes a quantity as a string or a number (`nvidia.com/gpu: 1`).
    if (name === "io.k8s.apimachinery.pkg.api.resource.Quantity")
      return { oneOf: [{ type: "string" }, { type: "number" }] };
    // Recursion (none in the kinds above) would be cut here rather than loop.
    if (seen.includes(name)) return {};
    const target = definitions[name];
    if (!target) throw new Error(`unresolved $ref ${ref}`);
    return standaloneStrict(target, definitions, [...seen, name]);
  }
  if (schema.format === "int-or-string") {
    const { format: _format, type: _type, ...rest } = schema;
    return { ...rest, oneOf: [{ type: "string" }, { type: "integer" }] };
  }
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "properties") {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([p, s]) => [
          p,
          standaloneStrict(s, definitions, seen),
        ]),
      );
    } else if (key.startsWith("x-kubernetes-")) {
    } else {
      out[key] = standaloneStrict(value, definitions, seen);
    }
  }
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

function main(): void {
  const target = join(import.meta.dirname, "..", "helm", "sstar", "schemas");
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });

  const swagger = JSON.parse(
    readFileSync(
      join(moduleDir("k8s.io/kubernetes", KUBERNETES_VERSION), "api/openapi-spec/swagger.json"),
      "utf8",
    ),
  ) as { definitions: Record<string, Schema> };
  for (const [apiVersion, kind] of CHART_KINDS) {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    const entry = Object.entries(swagger.definitions).find(([, d]) =>
      (
        (d["x-kubernetes-group-version-kind"] as { group: string; version: string; kind: string }[]) ?? []
      ).some((gvk) => gvk.group === group && gvk.version === version && gvk.kind === kind),
    );
    if (!entry) throw new Error(`Kubernetes ${KUBERNETES_VERSION} has no ${apiVersion} ${kind}`);
    const schema = standaloneStrict(entry[1], swagger.definitions) as Schema;
    writeFileSync(join(target, schemaFileName(apiVersion, kind)), `${JSON.stringify(schema, null, 1)}\n`);
  }

  const crd = parseYaml(
    readFileSync(
      join(
        moduleDir("github.com/prometheus-operator/prometheus-operator", PROMETHEUS_OPERATOR_VERSION),
        "example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml",
      ),
      "utf8",
    ),
  ) as { spec: { versions: { name: string; schema: { openAPIV3Schema: Schema } }[] } };
  const v1 = crd.spec.versions.find((v) => v.name === "v1");
  if (!v1) throw new Error("the ServiceMonitor CRD has no v1");
  writeFileSync(
    join(target, schemaFileName("monitoring.coreos.com/v1", "ServiceMonitor")),
    `${JSON.stringify(standaloneStrict(v1.schema.openAPIV3Schema, {}), null, 1)}\n`,
  );
  writeFileSync(
    join(target, "SOURCE.md"),
    `Generated by scripts/vendor-kube-schemas.ts from k8s.io/kubernetes ${KUBERNETES_VERSION} ` +
      `(api/openapi-spec/swagger.json) and github.com/prometheus-operator/prometheus-operator ` +
      `${PROMETHEUS_OPERATOR_VERSION} (the ServiceMonitor CRD). Do not edit; regenerate.\n`,
  );
  console.log(`wrote ${CHART_KINDS.length + 1} schemas to ${target}`);
}

if (process.argv[1] && import.meta.filename === process.argv[1]) main();
