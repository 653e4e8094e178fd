import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadRunConfig } from "../config/load-run-config";
import { forecastRun } from "../estimate/forecast";
import { loadPriceFile, selectPriceTable } from "../ledger/prices";
import type { Totals } from "../ledger/types";
import type { ProblemOutcome } from "../method/pipeline-records";
import { summarizeRun } from "../method/run-summary";
import { renderHtmlReport, shortMethodLabels } from "../report/html-report";
import { dominates, paretoFront } from "../report/pareto";
import { buildReportModel } from "../report/report-model";
import { formatReportText } from "../report/report-text";
import { selectionStagesOf, settingsOfRun, withLedgerSandbox } from "../report/run-settings";
import { runSpendByStage } from "../report/run-spend";
import type { SettingsFile } from "../report/setting-results";
import { niceTicks } from "../report/svg-plots";
import { projectRoot } from "../runtime/paths";
import { runBudgetSetting } from "../spend/budget-setting";

const prices = selectPriceTable(loadPriceFile());
const fixture = JSON.parse(
  readFileSync(join(projectRoot, "tests", "fixtures", "report", "sweep-settings.json"), "utf8"),
) as SettingsFile;

describe("paretoFront", () => {
  it("keeps the points no other point beats on both spend and pass@1, by spend", () => {
    const points = [
      { spend: 10, passAt1: 0.5 }, // 0: front
      { spend: 20, passAt1: 0.4 }, // 1: dominated by 0
      { spend: 30, passAt1: 0.7 }, // 2: front
      { spend: 5, passAt1: 0.2 }, // 3: front (cheapest)
      { spend: 30, passAt1: 0.6 }, // 4: dominated by 2
      { spend: 40, passAt1: 0.7 }, // 5: dominated by 2 (same pass@1, more spend)
    ];
    expect(paretoFront(points)).toEqual([3, 0, 2]);
    expect(dominates(points[2] as never, points[5] as never)).toBe(true);
  });

  it("keeps identical points together and leaves out points without a price", () => {
    expect(
      paretoFront([
        { spend: 1, passAt1: 0.5 },
        { spend: 1, passAt1: 0.5 },
        { spend: Number.NaN, passAt1: 0.9 },
      ]),
    ).toEqual([0, 1]);
    expect(paretoFront([])).toEqual([]);
  });
});

describe("settingsOfRun", () => {
  const outcome = (id: string, difficulty: string, passed: [boolean, boolean]): ProblemOutcome => ({
    problemId: id,
    difficulty,
    samples: 2,
    rounds: 1,
    methods: [
      { label: "sstar(mode=ref)", selected: 0, passed: passed[0], reason: "" },
      { label: "first", selected: 0, passed: passed[1], reason: "" },
    ],
    oracleByRound: [passed[0] || passed[1]],
    correctByRound: [0.5],
    usage: {
      generate: { requests: 1, prompt: 100, completion: 300, reasoning: 0 },
      test_inputs: { requests: 1, prompt: 50, completion: 20, reasoning: 0 },
      judge: { requests: 2, prompt: 80, completion: 4, reasoning: 0 },
    },
    recordRef: "sha256:00",
  });
  const config = loadRunConfig("sstar-qwen2.5-coder-7b", { n: 2, rounds: 1 });
  const summary = summarizeRun("run-1", config, [
    outcome("a", "easy", [true, true]),
    outcome("b", "hard", [true, false]),
  ]);
  const file = settingsOfRun(summary, config);

  it("makes one setting per method at the run's N and R, paid = standalone", () => {
    expect(file).toMatchObject({ runId: "run-1", kind: "run" });
    expect(file.settings.map((s) => [s.setting, s.method, s.passAt1])).toEqual([
      ["n=2,r=1", "sstar(mode=ref)", 1],
      ["n=2,r=1", "first", 0.5],
    ]);
    for (const s of file.settings) expect(s.paid).toEqual(s.standalone);
  });

  it("attributes the selection stages to the methods that call them", () => {
    const [sstar, first] = file.settings;
    expect(Object.keys(sstar?.standalone.byStage ?? {})).toEqual(["generate", "test_inputs", "judge"]);
    expect(Object.keys(first?.standalone.byStage ?? {})).toEqual(["generate"]);
    // The generator is Qwen on vLLM; the helpers are GPT-4o-mini (the reference's roles).
    expect(sstar?.standalone.usage.map((u) => [u.model, u.promptTokens])).toEqual([
      ["gpt-4o-mini-2024-07-18", 260],
      ["Qwen/Qwen2.5-Coder-7B-Instruct", 200],
    ]);
    expect(selectionStagesOf("majority_vote(score=agreement)")).toEqual(["test_inputs"]);
    expect(selectionStagesOf("llm_judge(grounding=code_only)")).toEqual(["fallback_judge"]);
  });
});

describe("an adaptive run beside a sweep on one chart", () => {
  const config = loadRunConfig("sstar-qwen2.5-coder-7b", { n: 4, rounds: 3, adaptive: true });
  const sstarSetting = fixture.settings.find((s) => s.method.startsWith("sstar") && s.setting === "n=4,r=3");
  const adaptive: SettingsFile = {
    runId: "adaptive-run",
    kind: "run",
    settings: [
      {
        ...(sstarSetting as SettingsFile["settings"][number]),
        setting: runBudgetSetting(config),
        policy: "adaptive",
      },
    ],
  };
  const model = buildReportModel({
    settings: fixture,
    compared: [adaptive],
    prices,
    generatedAt: "2026-01-01T00:00:00Z",
  });

  it("labels an adaptive run's budget setting apart from the fixed one it is capped by", () => {
    expect(runBudgetSetting(config)).toBe("n=4,r=3,adaptive");
    expect(runBudgetSetting(loadRunConfig("sstar-qwen2.5-coder-7b", { n: 4, rounds: 3 }))).toBe("n=4,r=3");
  });

  it("puts the sweep's fixed settings and the adaptive point in one table, Pareto front and plot", () => {
    expect(model.rows).toHaveLength(fixture.settings.length + 1);
    const last = model.rows.at(-1);
    expect(last).toMatchObject({ setting: "n=4,r=3,adaptive", policy: "adaptive", runId: "adaptive-run" });
    expect(model.rows[0]?.runId).toBe(fixture.runId);
    expect(model.notes.join(" ")).toContain("adaptive-run");
    const html = renderHtmlReport(model);
    expect(html.match(/data-mark="point"/g)).toHaveLength(fixture.settings.length + 1);
    expect(html).toContain("(adaptive)");
    expect(formatReportText(model)).toContain("n=4,r=3,adaptive");
  });
});

describe("withLedgerSandbox", () => {
  const row = (stage: string, cpuSeconds: number): Totals["rows"][0] => ({
    key: { budgetSetting: "n=2,r=1", stage },
    usage: [],
    requests: 0,
    promptTokens: 0,
    completionTokens: 0,
    cachedTokens: 0,
    reasoningTokens: 0,
    sandboxBatches: 1,
    cpuSeconds,
    wallSeconds: cpuSeconds * 2,
    tests: 1,
    gpuSeconds: 0,
  });
  const spend = { byStage: {}, usage: [], sandboxCpuSeconds: 0, sandboxWallSeconds: 0 };
  const setting = (method: string) => ({
    setting: "n=2,r=1",
    n: 2,
    rounds: 1,
    method,
    problems: 1,
    passAt1: 0,
    byDifficulty: {},
    paid: spend,
    standalone: spend,
  });

  it("gives each method of a run the sandbox time of the shared stages and of its own selection stages", () => {
    const file: SettingsFile = {
      runId: "r",
      kind: "run",
      settings: [setting("sstar(mode=ref)"), setting("first")],
    };
    const ledger: Totals = {
      runId: "r",
      groupBy: ["budgetSetting", "stage"],
      rows: [row("generate", 1), row("grade", 2), row("test_inputs", 4), row("adaptive_inputs", 8)],
    };
    const [sstar, first] = withLedgerSandbox(file, ledger).settings;
    expect(sstar?.standalone).toMatchObject({ sandboxCpuSeconds: 15, sandboxWallSeconds: 30 });
    expect(first?.paid.sandboxCpuSeconds).toBe(3);
    expect(
      withLedgerSandbox({ ...file, kind: "sweep" }, ledger).settings[0]?.standalone.sandboxCpuSeconds,
    ).toBe(0);
  });
});

describe("buildReportModel", () => {
  const model = buildReportModel({ settings: fixture, prices, generatedAt: "2026-01-01T00:00:00Z" });

  it("prices each setting's standalone spend and marks the Pareto front in dollars", () => {
    expect(model.spendAxis).toBe("usd");
    expect(model.rows).toHaveLength(fixture.settings.length);
    expect(model.rows.every((r) => r.costUsd > 0 && !r.unpriced)).toBe(true);
    const front = model.rows.filter((r) => r.onParetoFront);
    expect(front.length).toBeGreaterThan(1);
    for (const f of front)
      for (const r of model.rows)
        expect(
          dominates({ spend: r.costUsd, passAt1: r.passAt1 }, { spend: f.costUsd, passAt1: f.passAt1 }),
        ).toBe(false);
    expect(model.difficulties).toEqual(["easy", "hard", "medium"]);
    expect(model.stages).toEqual(["generate", "refine", "test_inputs", "adaptive_inputs", "judge"]);
  });

  it("groups the method comparison by budget setting", () => {
    expect(model.methodComparison[0]?.setting).toBe("n=1,r=1");
    expect(model.methodComparison.find((g) => g.setting === "n=4,r=3")?.methods).toHaveLength(3);
  });

  it("adds the ledger's paid spend and the forecast check when given", () => {
    const ledger: Totals = {
      runId: "fixture-sweep",
      groupBy: ["budgetSetting", "stage"],
      rows: [
        {
          key: { budgetSetting: "n=2,r=1", stage: "generate" },
          usage: [
            {
              model: "gpt-4o-mini",
              endpoint: "openai",
              requests: 1,
              promptTokens: 1_000_000,
              completionTokens: 0,
              cachedTokens: 0,
              reasoningTokens: 0,
              gpuSeconds: 0,
            },
          ],
          requests: 1,
          promptTokens: 1_000_000,
          completionTokens: 0,
          cachedTokens: 0,
          reasoningTokens: 0,
          sandboxBatches: 0,
          cpuSeconds: 0,
          wallSeconds: 0,
          tests: 0,
          gpuSeconds: 0,
        },
      ],
    };
    const forecast = forecastRun({
      runId: "fixture-sweep",
      configName: "c",
      problems: 40,
      window: 4,
      pilot: {
        source: "pilot",
        runId: "pilot",
        problems: [100, 120, 90, 110].map((t, i) => ({
          problemId: `p${i}`,
          promptTokens: t,
          completionTokens: 0,
          costUsd: 0,
        })),
      },
      level: 0.9,
      priceVersion: prices.version,
      unpriced: [],
      createdAt: "2026-01-01T00:00:00Z",
    });
    const withExtras = buildReportModel({
      settings: fixture,
      prices,
      ledger,
      forecast,
      runSpend: {
        usage: [
          {
            model: "sim-coder",
            endpoint: "sim",
            requests: 40,
            promptTokens: 4200,
            completionTokens: 0,
            cachedTokens: 0,
            reasoningTokens: 0,
            gpuSeconds: 0,
          },
        ],
        sandboxCpuSeconds: 0,
        seconds: null,
        reusedPilot: false,
      },
      generatedAt: "2026-01-01T00:00:00Z",
    });
    expect(withExtras.ledger?.total).toEqual({ tokens: 1_000_000, costUsd: 0.15, cpuSeconds: 0 });
    expect(withExtras.forecast?.checks[0]).toMatchObject({ metric: "tokens", actual: 4200, inside: true });
    const text = formatReportText(withExtras);
    expect(text).toContain("paid (ledger):");
    expect(text).toContain("forecast (pilot of 4, 90% interval) vs actual:");
  });

  it("shows tokens on the spend axis when nothing costs money", () => {
    const free: SettingsFile = {
      runId: "r",
      kind: "run",
      settings: fixture.settings.slice(0, 2).map((s) => ({
        ...s,
        standalone: { ...s.standalone, usage: [], sandboxCpuSeconds: 0 },
        paid: { ...s.paid, usage: [], sandboxCpuSeconds: 0 },
      })),
    };
    const m = buildReportModel({ settings: free, prices, generatedAt: "x" });
    expect(m.spendAxis).toBe("tokens");
    expect(m.notes.join(" ")).toContain("spend is shown in tokens");
  });
});

describe("runSpendByStage", () => {
  const o = (id: string, prompt: number): ProblemOutcome =>
    ({
      problemId: id,
      usage: { generate: { requests: 1, prompt, completion: 0, reasoning: 0 } },
    }) as unknown as ProblemOutcome;

  it("counts problems the run reused from its pilot at the pilot's spend", () => {
    expect(runSpendByStage([o("a", 0), o("b", 50)], [o("a", 70)])).toEqual({
      byStage: { generate: { requests: 2, prompt: 120, completion: 0, reasoning: 0 } },
      reusedPilot: true,
    });
    expect(runSpendByStage([o("a", 70), o("b", 50)], [o("a", 70)]).reusedPilot).toBe(false);
  });
});

describe("the HTML report", () => {
  const model = buildReportModel({ settings: fixture, prices, generatedAt: "2026-01-01T00:00:00Z" });
  const html = renderHtmlReport(model);

  it("is one self-contained page: three SVG plots, no external resources", () => {
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html.match(/<figure class="plot"/g)).toHaveLength(3);
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html).not.toMatch(/<link|<img|\ssrc=|\shref=|@import|url\(/i);
    expect(html.replaceAll("http://www.w3.org/2000/svg", "")).not.toMatch(/https?:\/\//);
    expect(html).toContain('data-rendered="pending"');
    expect(html.match(/class="pareto-front"/g)).toHaveLength(1);
    expect(html.match(/data-mark="point"/g)).toHaveLength(fixture.settings.length);
  });

  it("draws where the run's wall time went as a fourth plot when the summary recorded it", () => {
    const timed = renderHtmlReport(
      buildReportModel({
        settings: fixture,
        prices,
        timeBreakdown: { endpoint: 90, sandbox: 6, temporal: 3, idle: 1, wall: 100 },
        generatedAt: "2026-01-01T00:00:00Z",
      }),
    );
    expect(timed.match(/<figure class="plot"/g)).toHaveLength(4);
    expect(timed).toContain('id="plot-time"');
    expect(timed).toContain("100 s of wall time");
    for (const c of ["endpoint", "sandbox", "temporal", "idle"]) expect(timed).toContain(`>${c}<`);
  });

  it("escapes labels", () => {
    const evil: SettingsFile = {
      ...fixture,
      settings: [{ ...(fixture.settings[0] as SettingsFile["settings"][0]), method: "<script>x</script>" }],
    };
    const page = renderHtmlReport(buildReportModel({ settings: evil, prices, generatedAt: "x" }));
    expect(page).not.toContain("<script>x</script>");
    expect(page).toContain("&lt;script&gt;x&lt;/script&gt;");
  });

  it("shortens method labels only while they stay distinct", () => {
    expect([...shortMethodLabels(["sstar(mode=ref)", "first"]).values()]).toEqual(["sstar", "first"]);
    expect([...shortMethodLabels(["sstar(mode=ref)", "sstar(mode=algorithm1)"]).values()]).toEqual([
      "sstar(mode=ref)",
      "sstar(mode=algorithm1)",
    ]);
  });

  it("puts axis ticks on round numbers", () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 137)).toEqual([0, 50, 100]);
  });
});
