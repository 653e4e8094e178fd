import { describe, expect, it } from "vitest";
import { combineBreakdowns, TimeBreakdown } from "../method/time-breakdown";
import { runIdOfWorkflow } from "../worker/run-timeline";

describe("TimeBreakdown", () => {
  it("gives each moment to the first of endpoint, sandbox, temporal, idle that applies; they add up to the wall", () => {
    const t = new TimeBreakdown();
    t.note("problem", 1, 0); // problem in flight: temporal
    t.note("llm", 1, 1_000); // endpoint
    t.note("sandbox", 1, 2_000); // still endpoint (LLM first)
    t.note("llm", -1, 4_000); // sandbox
    t.note("sandbox", -1, 5_000); // temporal
    t.note("problem", -1, 5_500); // idle
    expect(t.totals(7_000)).toEqual({ endpoint: 3, sandbox: 1, temporal: 1.5, idle: 1.5, wall: 7 });
  });

  it("never counts below zero in flight, and averages several workers' views of one run", () => {
    const t = new TimeBreakdown();
    t.note("llm", -1, 0);
    t.note("llm", 1, 1_000);
    expect(t.totals(2_000)).toMatchObject({ endpoint: 1, idle: 1, wall: 2 });
    expect(
      combineBreakdowns([
        { endpoint: 8, sandbox: 1, temporal: 1, idle: 0, wall: 10 },
        { endpoint: 6, sandbox: 2, temporal: 1, idle: 1, wall: 10 },
      ]),
    ).toEqual({ endpoint: 7, sandbox: 1.5, temporal: 1, idle: 0.5, wall: 10, workers: 2 });
    expect(combineBreakdowns([])).toBeUndefined();
  });
});

describe("runIdOfWorkflow", () => {
  it("reads the run from a run's, a problem's and a sweep's workflow id", () => {
    expect(runIdOfWorkflow("sstar-run-demo-1a2b3c")).toBe("demo-1a2b3c");
    expect(runIdOfWorkflow("sstar-run-demo-1a2b3c--sstar_demo_01")).toBe("demo-1a2b3c");
    expect(runIdOfWorkflow("sstar-sweep-grid-9f--p1")).toBe("grid-9f");
    expect(runIdOfWorkflow("other")).toBeUndefined();
  });
});
