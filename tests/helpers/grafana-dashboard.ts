/**
 * The shipped Grafana dashboard as data: its panels' PromQL, with Grafana's variables replaced by
 * values Prometheus accepts, so tests can check it against the code and run it on a real server.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../../runtime/paths";

export const DASHBOARD_PATH = join(projectRoot, "grafana", "sstar-spend-dashboard.json");

export interface DashboardTarget {
  panel: string;
  refId: string;
  expr: string;
}

// biome-ignore lint/suspicious/noExplicitAny: a dashboard is free-form JSON; tests check its shape.
export function loadDashboard(): any {
  return JSON.parse(readFileSync(DASHBOARD_PATH, "utf8"));
}

export function dashboardTargets(): DashboardTarget[] {
  const dashboard = loadDashboard();
  const targets: DashboardTarget[] = [];
  for (const panel of dashboard.panels as { title: string; targets?: { refId: string; expr: string }[] }[]) {
    for (const t of panel.targets ?? []) targets.push({ panel: panel.title, refId: t.refId, expr: t.expr });
  }
  return targets;
}

/** Grafana's own variables, which need no definition in the dashboard. */
export const GRAFANA_BUILTIN_VARIABLES = ["__rate_interval", "__range", "__interval"];

/**
 * The expression as Prometheus would receive it: built-in ranges by fixed durations, multi-value
 * selectors by `.*` (their All value), text variables by their current value.
 */
export function substituteVariables(expr: string, overrides: Record<string, string> = {}): string {
  const dashboard = loadDashboard();
  const values: Record<string, string> = { __rate_interval: "1m", __range: "1h", __interval: "15s" };
  for (const v of dashboard.templating.list as {
    name: string;
    type: string;
    query?: unknown;
    allValue?: string;
  }[]) {
    if (v.type === "query") values[v.name] = v.allValue ?? ".*";
    else if (v.type === "textbox" || v.type === "constant") values[v.name] = String(v.query);
  }
  Object.assign(values, overrides);
  return expr.replace(/\$\{?(\w+)\}?/g, (whole, name: string) => values[name] ?? whole);
}
