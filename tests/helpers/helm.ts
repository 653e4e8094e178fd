import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { projectRoot } from "../../runtime/paths";

export const HELM = join(projectRoot, ".tools", "bin", "helm");
export const KUBECONFORM = join(projectRoot, ".tools", "bin", "kubeconform");
export const CHART = join(projectRoot, "helm", "sstar");
export const FULL_VALUES = join(CHART, "ci", "full-values.yaml");

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: rendered manifests are read field by field in tests
  spec?: any;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  [key: string]: any;
}

/** `helm template` of the chart: the rendered text and its objects. */
export function renderChart(args: string[] = [], release = "t"): { text: string; objects: KubeObject[] } {
  const text = execFileSync(HELM, ["template", release, CHART, ...args], {
    cwd: projectRoot,
    encoding: "utf8",
  });
  const objects = parseAllDocuments(text)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
  return { text, objects };
}

/** The extra flags the chart's kubeconform runs take (the offline schema location). */
export function kubeconformArgs(): string[] {
  return readFileSync(join(CHART, "kubeconform.args"), "utf8").trim().split(/\s+/);
}

export function find(objects: KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found)
    throw new Error(`no ${kind} ${name} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`)}`);
  return found;
}
