import { describe, expect, it } from "vitest";
import { admissionRoom, DEFAULT_BATCH, learnBatch } from "../method/admission";
import { childFits, EVENTS_PER_CHILD, HISTORY_EVENT_BUDGET } from "../workflows/run-workflow";

const base = { batch: 32, n: 16, inFlight: 4, window: 100, pendingSequences: 0 };

describe("admissionRoom", () => {
  it("keeps about one batch waiting at the endpoint: admits by the missing sequences ÷ N, rounded up", () => {
    expect(admissionRoom({ ...base, load: { running: 32, waiting: 0 } })).toBe(2);
    expect(admissionRoom({ ...base, load: { running: 32, waiting: 20 } })).toBe(1);
    expect(admissionRoom({ ...base, load: { running: 32, waiting: 32 } })).toBe(0);
    expect(admissionRoom({ ...base, load: { running: 32, waiting: 400 } })).toBe(0);
  });

  it("counts problems admitted a moment ago, whose requests have not reached the endpoint", () => {
    expect(admissionRoom({ ...base, load: { running: 10, waiting: 0 }, pendingSequences: 32 })).toBe(0);
    expect(admissionRoom({ ...base, load: { running: 10, waiting: 0 }, pendingSequences: 16 })).toBe(1);
  });

  it("fills two batches at once when nothing is in flight, and never passes the window", () => {
    expect(admissionRoom({ ...base, inFlight: 0, load: { running: 0, waiting: 0 } })).toBe(4);
    expect(admissionRoom({ ...base, inFlight: 0, batch: undefined, load: { running: 0, waiting: 0 } })).toBe(
      Math.ceil((2 * DEFAULT_BATCH) / 16),
    );
    expect(admissionRoom({ ...base, inFlight: 99, load: { running: 0, waiting: 0 } })).toBe(1);
    expect(admissionRoom({ ...base, inFlight: 100, load: { running: 0, waiting: 0 } })).toBe(0);
  });

  it("falls back to the fixed window without load figures", () => {
    expect(admissionRoom({ ...base, load: undefined })).toBe(96);
  });
});

describe("learnBatch", () => {
  it("learns the batch from what runs while sequences wait", () => {
    expect(learnBatch(undefined, { running: 12, waiting: 0 })).toBeUndefined();
    expect(learnBatch(undefined, { running: 32, waiting: 5 })).toBe(32);
    expect(learnBatch(32, { running: 20, waiting: 5 })).toBe(32);
  });
});

describe("the run workflow's history budget", () => {
  it("starts a child only while every child in flight still fits under the budget", () => {
    expect(childFits(0, 0)).toBe(true);
    const most = Math.floor(HISTORY_EVENT_BUDGET / EVENTS_PER_CHILD);
    expect(childFits(0, most - 1)).toBe(true);
    expect(childFits(0, most)).toBe(false);
    expect(childFits(HISTORY_EVENT_BUDGET - EVENTS_PER_CHILD, 0)).toBe(true);
    expect(childFits(HISTORY_EVENT_BUDGET - EVENTS_PER_CHILD + 1, 0)).toBe(false);
  });
});
