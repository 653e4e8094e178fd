import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { GpuOccupancy, gpusOf, SERVED_MODEL_ANNOTATION, servedModelOf } from "../cluster/gpu-occupancy";

const T = (s: number) => Date.parse("2026-01-01T00:00:00Z") + s * 1000;

function vllmPod(
  over: { phase?: string; startedAt?: number; gpus?: string; annotation?: boolean; deleting?: boolean } = {},
): V1Pod {
  return {
    metadata: {
      name: "sstar-vllm-r1-abc",
      uid: "uid-1",
      annotations: over.annotation === false ? {} : { [SERVED_MODEL_ANNOTATION]: "org/model-7b" },
      ...(over.deleting ? { deletionTimestamp: new Date(T(90)) } : {}),
    },
    spec: {
      containers: [
        {
          name: "vllm",
          args: ["--model", "org/model-7b-weights", "--served-model-name", "org/model-7b-served"],
          resources: { requests: { "nvidia.com/gpu": over.gpus ?? "4", cpu: "4" } },
        },
        { name: "sidecar", resources: { limits: { "nvidia.com/gpu": "1" } } },
      ],
    },
    status: {
      phase: over.phase ?? "Running",
      containerStatuses:
        over.startedAt === undefined
          ? []
          : [
              {
                name: "vllm",
                image: "",
                imageID: "",
                ready: true,
                restartCount: 0,
                state: { running: { startedAt: new Date(over.startedAt) } },
              },
            ],
    },
  } as V1Pod;
}

describe("a vLLM pod's GPUs and model", () => {
  it("sums its containers' GPU requests (limits where none is requested)", () => {
    expect(gpusOf(vllmPod())).toBe(5);
    expect(gpusOf({ spec: { containers: [{ name: "x" }] } })).toBe(0);
  });

  it("takes the served model from the chart's annotation, else from vLLM's arguments", () => {
    expect(servedModelOf(vllmPod())).toBe("org/model-7b");
    expect(servedModelOf(vllmPod({ annotation: false }))).toBe("org/model-7b-served");
    expect(servedModelOf({ spec: { containers: [{ name: "v", args: ["--model=org/only-weights"] }] } })).toBe(
      "org/only-weights",
    );
  });
});

describe("GpuOccupancy", () => {
  it("holds a Running pod's GPUs from its container's start (seen late) until it stops running", () => {
    const occupancy = new GpuOccupancy();
    occupancy.observe("ADDED", vllmPod({ phase: "Pending" }), T(0));
    expect(occupancy.intervals()).toEqual([]);
    occupancy.observe("MODIFIED", vllmPod({ startedAt: T(5) }), T(20));
    occupancy.observe("MODIFIED", vllmPod({ startedAt: T(5) }), T(30));
    expect(occupancy.intervals()).toEqual([
      { pod: "sstar-vllm-r1-abc", model: "org/model-7b", gpus: 5, from: T(5) },
    ]);
    occupancy.observe("MODIFIED", vllmPod({ deleting: true, startedAt: T(5) }), T(90));
    occupancy.observe("DELETED", vllmPod({ deleting: true, startedAt: T(5) }), T(95));
    expect(occupancy.intervals()).toEqual([
      { pod: "sstar-vllm-r1-abc", model: "org/model-7b", gpus: 5, from: T(5), to: T(90) },
    ]);
    expect(occupancy.models()).toEqual(["org/model-7b"]);
  });

  it("does not count the time before a restart twice", () => {
    const occupancy = new GpuOccupancy();
    occupancy.observe("ADDED", vllmPod({ startedAt: T(0) }), T(0));
    occupancy.observe("MODIFIED", vllmPod({ phase: "Failed" }), T(50));
    // A stale status still names the first start.
    occupancy.observe("MODIFIED", vllmPod({ startedAt: T(0) }), T(60));
    expect(occupancy.intervals().map((i) => [i.from, i.to])).toEqual([
      [T(0), T(50)],
      [T(50), undefined],
    ]);
  });

  it("ignores pods without GPUs or a model", () => {
    const occupancy = new GpuOccupancy();
    const running = { phase: "Running" };
    occupancy.observe(
      "ADDED",
      {
        metadata: { uid: "no-gpu", annotations: { [SERVED_MODEL_ANNOTATION]: "m" } },
        spec: { containers: [{ name: "c" }] },
        status: running,
      },
      T(0),
    );
    occupancy.observe(
      "ADDED",
      {
        metadata: { uid: "no-model" },
        spec: { containers: [{ name: "c", resources: { requests: { "nvidia.com/gpu": "2" } } }] },
        status: running,
      },
      T(0),
    );
    expect(occupancy.intervals()).toEqual([]);
  });
});
