import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../runtime/paths";
import { find, renderChart } from "./helpers/helm";

/** client-node's method names, as (verb, resource, API group) of the call they make. */
const CALL = /this\.(core|batch)\.(list|read|create|patch|delete|replace)Namespaced(\w+?)\(/g;
const GROUPS: Record<string, string> = { core: "", batch: "batch" };
const VERBS: Record<string, string> = {
  list: "list",
  read: "get",
  create: "create",
  patch: "patch",
  delete: "delete",
  replace: "update",
};

describe("the chart's Role", () => {
  it("grants exactly the calls sstar's cluster client makes", () => {
    const source = readFileSync(join(projectRoot, "cluster", "kubernetes-cluster.ts"), "utf8");
    const calls = new Set<string>();
    for (const m of source.matchAll(CALL)) {
      const [, api, verb, kind] = m as unknown as string[];
      const resource =
        `${(kind as string).charAt(0).toLowerCase()}${(kind as string).slice(1)}s`.toLowerCase();
      calls.add(`${GROUPS[api as string]}/${resource}/${VERBS[verb as string]}`);
    }
    for (const m of source.matchAll(
      /this\.watcher\.watch\(\s*`\/api\/v1\/namespaces\/\$\{this\.namespace\}\/(\w+)`/g,
    ))
      calls.add(`/${m[1]}/watch`);
    expect(calls.size).toBeGreaterThan(0);
    // Every API client the cluster code holds is one of those read above.
    expect(source.match(/makeApiClient\((\w+)\)/g)).toEqual([
      "makeApiClient(CoreV1Api)",
      "makeApiClient(BatchV1Api)",
    ]);

    const role = find(renderChart().objects, "Role", "t-sstar");
    const granted = new Set<string>();
    for (const rule of role.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[])
      for (const group of rule.apiGroups)
        for (const resource of rule.resources)
          for (const verb of rule.verbs) granted.add(`${group}/${resource}/${verb}`);
    expect([...granted].sort()).toEqual([...calls].sort());
  });
});
