import type { ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProblemOutcome } from "../method/pipeline-records";
import type { RunSummary } from "../method/run-summary";
import { projectRoot } from "../runtime/paths";
import type { RequestLogEntry } from "../simulator/request-log";
import { killHard, startSimulatorProcess, tempDir } from "./helpers/processes";
import { jsonOutput, runSstar } from "./helpers/sstar-cli";

/**
 * The pipeline against a simulator that names and formats code like real models do. The
 * realistic profile answers with the same programs as the kind one, only disguised (renamed,
 * top-level, helpers and imports, other fences, prose, <think> blocks, markdown on DSPy prompts);
 * its two knobs that really lose a program (cut-off and empty answers) are off here. So every
 * verdict must be the same under both profiles: a difference means some executing stage lost a
 * correct candidate because of its name or its formatting.
 */
const dataset = join(projectRoot, "..", "shared", "data", "leetcode", "leetcode_dev100.jsonl");
const PROBLEMS = 8;

const DISGUISES = {
  snakeCaseName: 0.35,
  solveName: 0.2,
  topLevelFunction: 0.5,
  helpersAndImports: 0.5,
  noFence: 0.2,
  wrongFence: 0.3,
  proseAfter: 0.4,
  thinkBlock: 0.3,
  markdownOnDspy: 0.3,
  truncated: 0,
  empty: 0,
};

// Every method whose choice follows from execution results alone (no judge's draw).
const EXECUTION_DECIDED = ["first", "majority_vote", "generated_tests", "timeout_tests", "oracle"];

function writeRunConfig(dir: string, url: string): string {
  const file = join(dir, "run.json");
  writeFileSync(
    file,
    JSON.stringify({
      name: "realistic",
      dataset: { path: dataset, limit: PROBLEMS },
      endpoints: { sim: { baseUrl: url, concurrency: 32 } },
      // The reference's prompts: no starter code, so the model names the function as it likes.
      roles: { generator: { endpoint: "sim", model: "sstar-sim-coder", sampling: { temperature: 0.7 } } },
      budget: { n: 4, rounds: 1 },
      selection: [
        { method: "first" },
        { method: "majority_vote", score: "agreement", publicFilter: false },
        { method: "generated_tests" },
        { method: "timeout_tests" },
        { method: "sstar" },
        { method: "oracle" },
      ],
      grader: "lcb",
      execution: { entryPoint: "resolve" },
      limits: { timeSec: 3 },
      window: 4,
      seed: 5,
    }),
  );
  return file;
}

interface ProfileRun {
  summary: RunSummary;
  outcomes: Map<string, ProblemOutcome>;
  log: RequestLogEntry[];
}

async function runUnder(profile: "kind" | "realistic"): Promise<ProfileRun> {
  const dir = tempDir(`realistic-${profile}`);
  const simConfig = join(dir, "sim.yaml");
  const realism = profile === "realistic" ? { realism: DISGUISES } : {};
  writeFileSync(simConfig, JSON.stringify({ latency: "zero", behaviour: { profile, ...realism } }));
  const log = join(dir, "requests.jsonl");
  let sim: { child: ChildProcess; url: string } | undefined;
  try {
    sim = await startSimulatorProcess(dir, dataset, { seed: 11, log, config: simConfig });
    const result = await runSstar(["--data-dir", dir, "run", writeRunConfig(dir, sim.url), "--json"], {
      TEMPORAL_ADDRESS: undefined,
    });
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    const summary = jsonOutput<RunSummary>(result);
    const lines = readFileSync(join(dir, "runs", summary.run_id, "results.jsonl"), "utf8")
      .trim()
      .split("\n");
    const outcomes = new Map(
      lines.map((l) => JSON.parse(l) as ProblemOutcome).map((o) => [o.problemId, o] as const),
    );
    const entries = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as RequestLogEntry);
    return { summary, outcomes, log: entries };
  } finally {
    if (sim) await killHard(sim.child);
  }
}

describe("the pipeline under the realistic profile loses no correct candidate to its name", () => {
  let kind: ProfileRun;
  let realistic: ProfileRun;

  beforeAll(async () => {
    kind = await runUnder("kind");
    realistic = await runUnder("realistic");
  });
  afterAll(() => {});

  it("really disguised the generations: renamed, top-level, helpers, fences, prose", () => {
    const applied = new Map<string, number>();
    for (const entry of realistic.log)
      for (const d of (entry.disguise ?? []).flatMap((x) => (x ?? "").split("+")).filter(Boolean))
        applied.set(d, (applied.get(d) ?? 0) + 1);
    for (const d of ["snake_case_name", "top_level_function", "helpers_and_imports", "prose_after"])
      expect(applied.get(d) ?? 0, `${d} in ${JSON.stringify([...applied])}`).toBeGreaterThan(0);
  });

  it("grades every sample the same under both profiles (generation's public tests and hidden grading)", () => {
    expect(realistic.outcomes.size).toBe(PROBLEMS);
    for (const [id, k] of kind.outcomes) {
      const r = realistic.outcomes.get(id);
      expect(r?.correctByRound, id).toEqual(k.correctByRound);
      expect(r?.oracleByRound, id).toEqual(k.oracleByRound);
    }
    expect(realistic.summary.oracle.pass_at_n).toEqual(kind.summary.oracle.pass_at_n);
    expect(realistic.summary.candidates).toEqual({ unparsable: 0, no_entry_point: 0 });
  });

  it("selects the same program with every execution-decided method (generated tests, large inputs, votes)", () => {
    for (const [id, k] of kind.outcomes) {
      const r = realistic.outcomes.get(id) as ProblemOutcome;
      for (const method of k.methods.filter((m) => EXECUTION_DECIDED.some((e) => m.label.startsWith(e)))) {
        const other = r.methods.find((m) => m.label === method.label);
        expect({ selected: other?.selected, passed: other?.passed }, `${id} ${method.label}`).toEqual({
          selected: method.selected,
          passed: method.passed,
        });
      }
    }
  });

  it("S*'s tournament, grounded in executions of the disguised programs, scores as it does on the kind ones", () => {
    const label = Object.keys(kind.summary.methods).find((m) => m.startsWith("sstar"));
    expect(label).toBeDefined();
    const k = kind.summary.methods[label as string]?.passed ?? 0;
    const r = realistic.summary.methods[label as string]?.passed ?? 0;
    // The judge's draws see other prompts (the disguised code), so allow one problem either way.
    expect(Math.abs(k - r), `kind ${k} vs realistic ${r}`).toBeLessThanOrEqual(1);
  });
});
