import { describe, expect, it } from "vitest";
import { sweepRunConfig } from "../cli/commands/sweep";
import { loadRunConfig } from "../config/load-run-config";
import type { RunConfig } from "../config/run-config";
import { type WaveEvidence, waveDecision, waveSize } from "../method/adaptive-budget";

const evidence = (e: Partial<WaveEvidence>): WaveEvidence => ({
  drawn: 4,
  budget: 16,
  publicPassing: 0,
  passingClusters: [],
  bestPublicScore: 0.5,
  ...e,
});

describe("the adaptive budget's stopping rule", () => {
  it("stops when the fixed budget is spent, whatever the evidence", () => {
    expect(waveDecision(evidence({ drawn: 16, bestPublicScore: 0 }), 4)).toMatchObject({
      stop: true,
      reason: "budget",
    });
  });

  it("stops when two or more public-passing samples fall in one execution cluster", () => {
    expect(waveDecision(evidence({ publicPassing: 3, passingClusters: [3] }), 4)).toMatchObject({
      stop: true,
      reason: "settled",
    });
  });

  it("goes on when the passing samples disagree, or only one passes", () => {
    expect(waveDecision(evidence({ publicPassing: 3, passingClusters: [2, 1] }), 4)).toEqual({
      stop: false,
      next: 4,
    });
    expect(waveDecision(evidence({ publicPassing: 1, passingClusters: [] }), 4)).toEqual({
      stop: false,
      next: 4,
    });
  });

  it("stops when one cluster of three or more is at least twice every other", () => {
    expect(waveDecision(evidence({ publicPassing: 4, passingClusters: [1, 3] }), 4)).toMatchObject({
      stop: true,
      reason: "settled",
    });
    expect(waveDecision(evidence({ publicPassing: 5, passingClusters: [3, 2] }), 4)).toEqual({
      stop: false,
      next: 4,
    });
  });

  it("gives up on a problem where no sample passes any public test after half the budget", () => {
    expect(waveDecision(evidence({ drawn: 4, bestPublicScore: 0 }), 4)).toEqual({ stop: false, next: 4 });
    expect(waveDecision(evidence({ drawn: 8, bestPublicScore: 0 }), 4)).toMatchObject({
      stop: true,
      reason: "hopeless",
    });
    // A partial public pass is evidence the model is on the way: no early exit.
    expect(waveDecision(evidence({ drawn: 12, bestPublicScore: 0.25 }), 4)).toEqual({ stop: false, next: 4 });
  });

  it("never draws past the budget", () => {
    expect(waveDecision(evidence({ drawn: 14 }), 4)).toEqual({ stop: false, next: 2 });
    expect(waveSize(undefined, 16)).toBe(4);
    expect(waveSize(undefined, 2)).toBe(2);
    expect(waveSize(8, 16)).toBe(8);
  });
});

describe("the adaptive budget and sweeps", () => {
  it("refuses to sweep an adaptive budget, saying what to do instead", () => {
    const config = loadRunConfig("demo", { adaptive: true });
    const swept = { ...config, sweep: { n: [2, 4], rounds: [1, 2] } } as RunConfig;
    expect(() => sweepRunConfig(swept, "run.yaml")).toThrow(
      /run\.yaml: budget\.policy: adaptive cannot be swept.*sstar report SWEEP --with RUN/,
    );
    expect(() =>
      sweepRunConfig({ ...swept, budget: { ...swept.budget, policy: "fixed" } }, "run.yaml"),
    ).not.toThrow();
  });
});
