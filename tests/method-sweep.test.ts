import { describe, expect, it } from "vitest";
import type { SampleHistory, StageUsage } from "../method/pipeline-records";
import { budgetPoints, candidatesAt, payingPoint } from "../method/sweep-grid";
import { apportion, settingSpends, splitBatchUsage, totalUsage } from "../method/sweep-spend";

const use = (prompt: number, completion: number, requests = 1): StageUsage => ({
  requests,
  prompt,
  completion,
  reasoning: 0,
});

describe("sweep grid", () => {
  const grid = { n: [1, 2, 4, 8], rounds: [1, 2] };

  it("pays a sample round with the smallest setting that uses it", () => {
    expect(payingPoint(grid, 0, 0)).toEqual({ n: 1, rounds: 1 });
    expect(payingPoint(grid, 2, 0)).toEqual({ n: 4, rounds: 1 });
    expect(payingPoint(grid, 5, 1)).toEqual({ n: 8, rounds: 2 });
    expect(payingPoint(grid, 8, 0)).toBeUndefined();
    expect(payingPoint(grid, 0, 2)).toBeUndefined();
  });

  it("lists (N, R) smallest N first", () => {
    expect(budgetPoints(grid).map((p) => `${p.n},${p.rounds}`)).toEqual([
      "1,1",
      "1,2",
      "2,1",
      "2,2",
      "4,1",
      "4,2",
      "8,1",
      "8,2",
    ]);
  });

  it("takes the first N samples' programs as of round R-1", () => {
    const round = (r: number, code: string | undefined, passed: number) => ({
      round: r,
      codeRef: code ? (`sha256:${code}` as const) : undefined,
      publicPassed: passed,
      publicTotal: 2,
    });
    const histories: SampleHistory[] = [
      { index: 0, rounds: [round(0, "a", 2)] },
      { index: 1, rounds: [round(0, "b", 0), round(1, "c", 1)] },
      { index: 2, rounds: [round(0, undefined, 0)] },
    ];
    expect(candidatesAt(histories, { n: 2, rounds: 1 })).toEqual([
      { index: 0, codeRef: "sha256:a", publicScore: 1 },
      { index: 1, codeRef: "sha256:b", publicScore: 0 },
    ]);
    expect(candidatesAt(histories, { n: 3, rounds: 2 }).map((c) => c.codeRef)).toEqual([
      "sha256:a",
      "sha256:c",
    ]);
  });
});

describe("sweep spend", () => {
  it("apportions exactly, by weight, with the remainder to the largest fractions", () => {
    expect(apportion(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(apportion(7, [0, 0])).toEqual([4, 3]);
    expect(apportion(100, [30, 10])).toEqual([75, 25]);
  });

  it("splits a batched generation into a shared prompt and per-sample completions", () => {
    const { shared, perSample } = splitBatchUsage(use(50, 90), [100, 200], true);
    expect(shared).toEqual(use(50, 0));
    expect(perSample.map((u) => u.completion)).toEqual([30, 60]);
    const separate = splitBatchUsage(use(100, 90, 2), [100, 200], false);
    expect(separate.shared.requests).toBe(0);
    expect(separate.perSample.map((u) => [u.requests, u.prompt])).toEqual([
      [1, 50],
      [1, 50],
    ]);
  });

  const grid = { n: [1, 2], rounds: [1, 2], methods: ["sstar", "first"] };
  const problem = {
    generationShared: use(40, 0),
    rounds: [
      { sample: 0, round: 0, stage: "generate" as const, usage: use(0, 10, 0) },
      { sample: 1, round: 0, stage: "generate" as const, usage: use(0, 20, 0) },
      { sample: 1, round: 1, stage: "refine" as const, usage: use(70, 30) },
    ],
    selections: [
      { n: 1, rounds: 1, method: "sstar", paid: { judge: use(5, 1) }, standalone: { judge: use(5, 1) } },
      { n: 2, rounds: 2, method: "sstar", paid: { judge: use(6, 1) }, standalone: { judge: use(11, 2, 2) } },
    ],
  };
  const spends = settingSpends(grid, [problem, problem]);
  const of = (n: number, rounds: number, method: string) =>
    spends.find((s) => s.n === n && s.rounds === rounds && s.method === method);

  it("gives each setting its own samples, rounds and selection as standalone spend", () => {
    expect(of(1, 1, "first")?.standalone).toEqual({ generate: use(80, 20, 2) });
    expect(of(2, 1, "first")?.standalone).toEqual({ generate: use(80, 60, 2) });
    expect(of(2, 2, "sstar")?.standalone).toEqual({
      generate: use(80, 60, 2),
      refine: use(140, 60, 2),
      judge: use(22, 4, 4),
    });
  });

  it("pays each shared part once, with the smallest setting, so the paid column sums to the whole", () => {
    expect(of(1, 1, "sstar")?.paid).toEqual({ generate: use(80, 20, 2), judge: use(10, 2, 2) });
    expect(of(2, 1, "sstar")?.paid).toEqual({ generate: use(0, 40, 0) });
    expect(of(2, 2, "sstar")?.paid).toEqual({ refine: use(140, 60, 2), judge: use(12, 2, 2) });
    expect(of(1, 2, "first")?.paid).toEqual({});
    const paid = spends
      .map((s) => totalUsage(s.paid))
      .reduce((a, b) => ({
        requests: a.requests + b.requests,
        prompt: a.prompt + b.prompt,
        completion: a.completion + b.completion,
        reasoning: 0,
      }));
    // The run (twice: two problems) plus every paid selection call.
    expect(paid).toEqual(use(2 * (40 + 70 + 5 + 6), 2 * (10 + 20 + 30 + 1 + 1), 2 * (1 + 1 + 1 + 1)));
  });
});
