import { describe, expect, it } from "vitest";
import { ConciseLogger } from "../worker/concise-logger";

const failure = {
  activityType: "generateSamples",
  workflowId: "sstar-run-demo-abc123--two-sum",
  attempt: 2,
  error: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8000\n    at TCPConnectWrap.afterConnect"), {
    name: "APIConnectionError",
  }),
};

describe("the worker's log", () => {
  it("says a failed activity attempt in one line: stage, problem, attempt, reason, no stack", () => {
    const lines: string[] = [];
    new ConciseLogger("WARN", (l) => lines.push(l)).warn("Activity failed", failure);
    expect(lines).toEqual([
      "sstar: generateSamples of two-sum failed (attempt 2): APIConnectionError: connect ECONNREFUSED 127.0.0.1:8000",
    ]);
  });

  it("keeps what is below its level out, and leaves the full record to DEBUG", () => {
    const lines: string[] = [];
    const logger = new ConciseLogger("WARN", (l) => lines.push(l));
    logger.info("Activity started", failure);
    logger.debug("Activity failed", failure);
    expect(lines).toEqual([]);
  });

  it("says a failed problem workflow in one line, with the innermost cause's failure type", () => {
    const lines: string[] = [];
    const cause = Object.assign(new Error("HTTP 401: Incorrect API key provided"), {
      type: "EndpointRefused",
    });
    const error = new Error("Activity task failed", { cause });
    new ConciseLogger("WARN", (l) => lines.push(l)).warn("Workflow failed", {
      workflowId: "sstar-run-demo-abc123--two-sum",
      error,
    });
    expect(lines).toEqual(["sstar: two-sum errored: EndpointRefused: HTTP 401: Incorrect API key provided"]);
  });
});
