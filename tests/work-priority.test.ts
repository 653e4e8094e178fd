import { describe, expect, it } from "vitest";
import { ConcurrencyLimiter } from "../llm/concurrency-limiter";
import { PriorityQueue } from "../runtime/priority-queue";
import { ArrivalOrder, currentWorkPriority, UNPRIORITIZED, withWorkPriority } from "../runtime/work-priority";

/** A task that stays running until released, recording when it started. */
function gate(log: string[], name: string) {
  let release = () => {};
  const done = new Promise<void>((r) => {
    release = r;
  });
  return {
    task: async () => {
      log.push(name);
      await done;
      return name;
    },
    release: () => release(),
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe("PriorityQueue", () => {
  it("pops the lowest priority first, equal priorities in arrival order", () => {
    const q = new PriorityQueue<string>();
    for (const [v, p] of [
      ["c", 3],
      ["a1", 1],
      ["b", 2],
      ["a2", 1],
      ["z", 9],
      ["a3", 1],
    ] as const)
      q.push(v, p);
    const out: string[] = [];
    while (q.size) out.push(q.pop() as string);
    expect(out).toEqual(["a1", "a2", "a3", "b", "c", "z"]);
    expect(q.pop()).toBeUndefined();
  });
});

describe("work priority", () => {
  it("follows the work through awaits, and is lowest outside any problem", async () => {
    expect(currentWorkPriority()).toBe(UNPRIORITIZED);
    const seen = await withWorkPriority(7, async () => {
      await tick();
      return currentWorkPriority();
    });
    expect(seen).toBe(7);
  });

  it("numbers problems in the order first seen", () => {
    const order = new ArrivalOrder(2);
    expect([order.of("p1"), order.of("p2"), order.of("p1"), order.of("p3")]).toEqual([0, 1, 0, 2]);
    // Only the last two are kept: p1 is new again.
    expect(order.of("p1")).toBe(3);
  });
});

describe("ConcurrencyLimiter", () => {
  it("lets the oldest problem's requests through first once the limit frees", async () => {
    const limiter = new ConcurrencyLimiter(1);
    const log: string[] = [];
    const first = gate(log, "running");
    const running = limiter.run(first.task, 1, 5);
    const young = limiter.run(gate(log, "young").task, 1, 9);
    const old = gate(log, "old");
    const oldRun = limiter.run(old.task, 1, 2);
    await tick();
    expect(log).toEqual(["running"]);
    first.release();
    await running;
    await tick();
    expect(log).toEqual(["running", "old"]);
    expect(limiter.queued).toBe(1);
    old.release();
    await oldRun;
    await tick();
    expect(log).toEqual(["running", "old", "young"]);
    void young;
  });

  it("counts sequences: a request for n completions holds n, and the head is not overtaken", async () => {
    const limiter = new ConcurrencyLimiter(100, 10);
    const log: string[] = [];
    const a = gate(log, "a8");
    const aRun = limiter.run(a.task, 8, 1);
    const big = gate(log, "b6");
    const bigRun = limiter.run(big.task, 6, 2);
    const small = gate(log, "c1");
    const smallRun = limiter.run(small.task, 1, 3);
    await tick();
    // 8 + 6 > 10: b waits, and c (which would fit) waits behind it.
    expect(log).toEqual(["a8"]);
    a.release();
    await aRun;
    await tick();
    expect(log).toEqual(["a8", "b6", "c1"]);
    big.release();
    small.release();
    await Promise.all([bigRun, smallRun]);
  });

  it("runs a request larger than the whole sequence limit alone", async () => {
    const limiter = new ConcurrencyLimiter(100, 4);
    const log: string[] = [];
    const huge = gate(log, "huge");
    const hugeRun = limiter.run(huge.task, 16, 1);
    const next = gate(log, "next");
    const nextRun = limiter.run(next.task, 1, 2);
    await tick();
    expect(log).toEqual(["huge"]);
    huge.release();
    await hugeRun;
    await tick();
    expect(log).toEqual(["huge", "next"]);
    next.release();
    await nextRun;
  });

  it("releases its room when a request fails", async () => {
    const limiter = new ConcurrencyLimiter(1);
    await expect(limiter.run(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(limiter.run(async () => "ok")).resolves.toBe("ok");
  });
});
