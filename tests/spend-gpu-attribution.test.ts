import { describe, expect, it } from "vitest";
import type { LlmActivity } from "../ledger/types";
import {
  attributeSlice,
  type GpuInterval,
  gpuSecondsIn,
  type SliceInput,
  sliceBounds,
  tokensInSlice,
} from "../spend/gpu-attribution";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const s = (seconds: number) => T0 + seconds * 1000;
const iso = (seconds: number) => new Date(s(seconds)).toISOString();

function activity(
  runId: string,
  stage: string,
  endSecond: number,
  latencySeconds: number,
  tokens: number,
): LlmActivity {
  return {
    runId,
    budgetSetting: "n=16,r=3",
    stage,
    endpoint: "vllm",
    at: iso(endSecond),
    latencyMs: latencySeconds * 1000,
    completionTokens: tokens,
  };
}

function slice(over: Partial<SliceInput> & { activity: LlmActivity[] }): SliceInput {
  return {
    from: s(0),
    to: s(30),
    gpuSeconds: 120,
    run: {
      runId: "a",
      from: s(-100),
      to: s(100),
      soleUser: true,
      idle: { budgetSetting: "n=16,r=3", endpoint: "vllm" },
    },
    ...over,
  };
}

describe("gpuSecondsIn", () => {
  it("sums GPUs × overlap of the model's Running intervals, an open one running to the slice's end", () => {
    const intervals: GpuInterval[] = [
      { pod: "p1", model: "m", gpus: 4, from: s(-10), to: s(10) },
      { pod: "p2", model: "m", gpus: 1, from: s(20) },
      { pod: "p3", model: "other", gpus: 8, from: s(0) },
    ];
    expect(gpuSecondsIn(intervals, "m", s(0), s(30))).toBe(4 * 10 + 1 * 10);
    expect(gpuSecondsIn(intervals, "m", s(40), s(50))).toBe(10);
    expect(gpuSecondsIn(intervals, "none", s(0), s(30))).toBe(0);
  });
});

describe("tokensInSlice", () => {
  it("spreads a response's tokens over the time it ran, and counts one without latency where it was received", () => {
    const groups = tokensInSlice(
      [
        activity("a", "generate", 40, 20, 200),
        activity("a", "generate", 10, 0, 7),
        activity("b", "refine", 50, 5, 9),
      ],
      s(0),
      s(30),
    );
    expect([...groups.values()]).toEqual([
      {
        key: { runId: "a", budgetSetting: "n=16,r=3", stage: "generate", endpoint: "vllm" },
        tokens: 100 + 7,
      },
    ]);
  });
});

describe("attributeSlice", () => {
  it("splits a busy slice between runs and stages by the tokens they generated in it", () => {
    const out = attributeSlice(
      slice({
        activity: [
          activity("a", "generate", 30, 30, 300),
          activity("a", "refine", 20, 0, 100),
          activity("b", "generate", 25, 0, 400),
        ],
      }),
    );
    expect(out.shares.map((x) => [x.stage, x.gpuSeconds])).toEqual([
      ["generate", 45],
      ["refine", 15],
    ]);
    expect(out.othersGpuSeconds).toBe(60);
    expect(out.unattributedGpuSeconds).toBe(0);
  });

  it("charges an idle slice to a run that holds the endpoint alone, within its lifetime only", () => {
    const out = attributeSlice(slice({ activity: [], run: { ...slice({ activity: [] }).run, from: s(15) } }));
    expect(out.shares).toEqual([
      { runId: "a", budgetSetting: "n=16,r=3", stage: "idle", endpoint: "vllm", gpuSeconds: 60 },
    ]);
    expect(out.unattributedGpuSeconds).toBe(60);
  });

  it("charges idle time of a shared endpoint to no run", () => {
    const base = slice({ activity: [] });
    const out = attributeSlice({ ...base, run: { ...base.run, soleUser: false } });
    expect(out.shares).toEqual([]);
    expect(out.unattributedGpuSeconds).toBe(120);
  });

  it("gives every run of a shared slice its own part, and the parts add up to the slice", () => {
    const shared = [
      activity("a", "generate", 30, 30, 50),
      activity("b", "generate", 30, 30, 150),
      activity("c", "select", 12, 0, 50),
    ];
    const total = ["a", "b", "c"]
      .map((runId) => {
        const base = slice({ activity: shared });
        return attributeSlice({ ...base, run: { ...base.run, runId, soleUser: false } });
      })
      .flatMap((r) => r.shares)
      .reduce((sum, x) => sum + x.gpuSeconds, 0);
    expect(total).toBeCloseTo(120, 9);
  });
});

describe("sliceBounds", () => {
  it("cuts at multiples of the slice length, so every meter cuts alike", () => {
    expect(sliceBounds(s(5), s(65), 30_000)).toEqual([
      [s(0), s(30)],
      [s(30), s(60)],
      [s(60), s(90)],
    ]);
    expect(() => sliceBounds(0, 1, 0)).toThrow(/positive/);
  });
});
