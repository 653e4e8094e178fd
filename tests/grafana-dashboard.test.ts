import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import type { SpendLedger } from "../ledger/types";
import { LedgerTotalsCollector } from "../metrics/ledger-collector";
import { SpendMetrics } from "../metrics/spend-metrics";
import { createSandboxMetrics } from "../sandbox/service/sandbox-metrics";
import {
  DASHBOARD_PATH,
  dashboardTargets,
  GRAFANA_BUILTIN_VARIABLES,
  loadDashboard,
  substituteVariables,
} from "./helpers/grafana-dashboard";
import { tempDir } from "./helpers/processes";
import { ensurePrometheusInstalled } from "./helpers/prometheus";

/** Every series name sstar's code exports (histograms by their sample names), with its label names. */
async function exportedMetrics(): Promise<Map<string, string[]>> {
  const registry = new Registry();
  new SpendMetrics(registry);
  const noLedger = {
    totals: async (runId: string) => ({ runId, groupBy: [], rows: [] }),
  } as unknown as SpendLedger;
  new LedgerTotalsCollector(noLedger, registry);
  createSandboxMetrics(registry, { running: 0, waiting: 0 });
  const names = new Map<string, string[]>();
  for (const metric of await registry.getMetricsAsJSON()) {
    const single = registry.getSingleMetric(metric.name) as unknown as { labelNames?: string[] };
    const labels = single.labelNames ?? [];
    // The typings say an enum; at run time the type is the text of the exposition's TYPE line.
    if (String(metric.type) === "histogram") {
      names.set(`${metric.name}_bucket`, [...labels, "le"]);
      names.set(`${metric.name}_sum`, labels);
      names.set(`${metric.name}_count`, labels);
    } else {
      names.set(metric.name, labels);
    }
  }
  return names;
}

const PROMQL_WORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "and", "or"]);
PROMQL_WORDS.add("unless").add("offset").add("bool").add("inf").add("nan");

/** The metric names an expression selects: identifiers that are not functions, keywords or labels. */
function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, "")
    .replace(/\[[^\]]*\]/g, "")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "")
    .replace(/\$\{?\w+\}?/g, "")
    .replace(/(?<![\w:])\d[\d.]*(?:e[+-]?\d+)?/gi, "0");
  const names: string[] = [];
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = match[0];
    const after = stripped.slice((match.index ?? 0) + word.length).trimStart();
    if (after.startsWith("(") || PROMQL_WORDS.has(word.toLowerCase())) continue;
    names.push(word);
  }
  return names;
}

/** Label names an expression groups by or matches on. */
function labelNamesIn(expr: string): string[] {
  const labels: string[] = [];
  for (const m of expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)) {
    labels.push(
      ...(m[1] ?? "")
        .split(",")
        .map((l) => l.trim())
        .filter(Boolean),
    );
  }
  for (const m of expr.matchAll(/\{([^}]*)\}/g)) {
    for (const matcher of (m[1] ?? "").matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)) labels.push(matcher[1] ?? "");
  }
  return labels;
}

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: { refId: string; expr: string; datasource?: { type: string; uid: string } }[];
  fieldConfig?: { defaults: Record<string, unknown>; overrides: unknown[] };
  options?: Record<string, unknown>;
  panels?: unknown[];
  collapsed?: boolean;
}

const PANEL_TYPES = [
  "row",
  "timeseries",
  "bargauge",
  "stat",
  "table",
  "gauge",
  "barchart",
  "piechart",
  "text",
];

describe(`the Grafana dashboard (${DASHBOARD_PATH})`, () => {
  const dashboard = loadDashboard();
  const panels = dashboard.panels as Panel[];
  const variables = (dashboard.templating?.list ?? []) as { name: string; type: string; query?: unknown }[];

  it("has the dashboard fields Grafana requires to import it", () => {
    expect(typeof dashboard.title).toBe("string");
    expect(dashboard.title.length).toBeGreaterThan(0);
    expect(dashboard.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    // 36 and later reference data sources as {type, uid} objects, the form every panel uses here.
    expect(Number.isInteger(dashboard.schemaVersion)).toBe(true);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.id ?? null).toBeNull();
    expect(typeof dashboard.time?.from).toBe("string");
    expect(typeof dashboard.time?.to).toBe("string");
    expect(Array.isArray(dashboard.panels)).toBe(true);
    expect(Array.isArray(dashboard.templating?.list)).toBe(true);
    expect(Array.isArray(dashboard.annotations?.list)).toBe(true);
  });

  it("has a Prometheus data source variable and run and budget setting filters", () => {
    const byName = new Map(variables.map((v) => [v.name, v]));
    expect(byName.get("datasource")).toMatchObject({ type: "datasource", query: "prometheus" });
    for (const name of ["run", "budget_setting"]) {
      const v = byName.get(name) as unknown as {
        type: string;
        definition: string;
        multi: boolean;
        includeAll: boolean;
      };
      expect(v.type).toBe("query");
      expect(v.definition).toMatch(new RegExp(`^label_values\\(.*, ${name}\\)$`));
      expect(v.multi && v.includeAll).toBe(true);
    }
    for (const v of variables) expect(v.name).toMatch(/^\w+$/);
    expect(new Set(variables.map((v) => v.name)).size).toBe(variables.length);
  });

  it("gives every panel a unique id, a known type, a title and a grid position inside 24 columns", () => {
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels) {
      expect(Number.isInteger(p.id) && p.id > 0, `${p.title}: id`).toBe(true);
      expect(PANEL_TYPES, p.title).toContain(p.type);
      expect(p.title.length, `panel ${p.id}: title`).toBeGreaterThan(0);
      const { x, y, w, h } = p.gridPos;
      for (const n of [x, y, w, h]) expect(Number.isInteger(n), `${p.title}: gridPos`).toBe(true);
      expect(
        x >= 0 && y >= 0 && w >= 1 && h >= 1 && x + w <= 24,
        `${p.title}: gridPos ${x},${y},${w},${h}`,
      ).toBe(true);
      if (p.type === "row") {
        expect(Array.isArray(p.panels) && typeof p.collapsed === "boolean", p.title).toBe(true);
      }
    }
  });

  it("lays panels out without overlaps", () => {
    for (const [i, a] of panels.entries()) {
      for (const b of panels.slice(i + 1)) {
        const overlap =
          a.gridPos.x < b.gridPos.x + b.gridPos.w &&
          b.gridPos.x < a.gridPos.x + a.gridPos.w &&
          a.gridPos.y < b.gridPos.y + b.gridPos.h &&
          b.gridPos.y < a.gridPos.y + a.gridPos.h;
        expect(overlap, `${a.title} overlaps ${b.title}`).toBe(false);
      }
    }
  });

  it("queries the Prometheus data source variable from every panel, with unique refIds", () => {
    for (const p of panels.filter((panel) => panel.type !== "row")) {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a template.
      expect(p.datasource, p.title).toEqual({ type: "prometheus", uid: "${datasource}" });
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      const refIds = (p.targets ?? []).map((t) => t.refId);
      expect(new Set(refIds).size, p.title).toBe(refIds.length);
      for (const t of p.targets ?? []) {
        expect(t.expr.trim().length, `${p.title} ${t.refId}`).toBeGreaterThan(0);
        expect(t.datasource, `${p.title} ${t.refId}`).toEqual(p.datasource);
      }
      expect(typeof p.fieldConfig?.defaults, p.title).toBe("object");
      expect(Array.isArray(p.fieldConfig?.overrides), p.title).toBe(true);
      expect(typeof p.options, p.title).toBe("object");
    }
  });

  it("covers spend per budget setting, tokens per stage, throughput and errors", () => {
    const titles = panels.map((p) => p.title.toLowerCase());
    for (const topic of ["per budget setting", "per stage", "per second", "errors"]) {
      expect(
        titles.some((t) => t.includes(topic)),
        topic,
      ).toBe(true);
    }
  });

  it("uses only variables it defines (or Grafana's own)", () => {
    const defined = new Set([...variables.map((v) => v.name), ...GRAFANA_BUILTIN_VARIABLES]);
    for (const t of dashboardTargets()) {
      for (const m of t.expr.matchAll(/\$\{?(\w+)\}?/g))
        expect(defined, `${t.panel}: $${m[1]}`).toContain(m[1]);
    }
  });

  it("selects only metrics and labels sstar's code exports", async () => {
    const exported = await exportedMetrics();
    const used = new Set<string>();
    for (const t of dashboardTargets()) {
      const names = metricNamesIn(t.expr);
      expect(names.length, `${t.panel} ${t.refId}: no metric in ${t.expr}`).toBeGreaterThan(0);
      const labels = new Set(["le", ...names.flatMap((n) => exported.get(n) ?? [])]);
      for (const name of names) {
        expect(exported.has(name), `${t.panel}: ${name} is not exported by sstar`).toBe(true);
        used.add(name);
      }
      for (const label of labelNamesIn(t.expr)) {
        expect(labels.has(label), `${t.panel}: label ${label} is on none of ${names.join(", ")}`).toBe(true);
      }
    }
    // The panels' subjects: ledger totals, live counters, GenAI latency, the sandbox service.
    for (const name of [
      "sstar_ledger_llm_tokens_total",
      "sstar_llm_tokens_total",
      "sstar_llm_errors_total",
      "gen_ai_client_operation_duration_seconds_bucket",
      "sstar_sandbox_runs_total",
      "sstar_problems_done_total",
    ]) {
      expect(used, name).toContain(name);
    }
  });

  it("parses as PromQL (promtool check rules on every expression)", () => {
    ensurePrometheusInstalled();
    const rules = dashboardTargets().map((t, i) => ({
      record: `sstar_dashboard:query_${i}`,
      expr: substituteVariables(t.expr),
    }));
    const file = join(tempDir("grafana-promql"), "rules.yml");
    // JSON is YAML.
    writeFileSync(file, JSON.stringify({ groups: [{ name: "dashboard", rules }] }));
    const result = spawnSync("/usr/bin/promtool", ["check", "rules", file], { encoding: "utf8" });
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
  });
});
