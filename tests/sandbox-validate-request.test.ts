import { describe, expect, it } from "vitest";
import { InvalidRequestError } from "../sandbox/types";
import { validateRequest } from "../sandbox/validate-request";

const ok = { program: "print(1)", kind: "stdin", tests: [{ input: "", expected: "1" }] };

function errorOf(raw: unknown, where?: string): string {
  try {
    validateRequest(raw, where);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidRequestError);
    return (err as Error).message;
  }
  throw new Error("expected the request to be rejected");
}

describe("validateRequest", () => {
  it("fills in the defaults", () => {
    expect(validateRequest(ok)).toEqual({
      ...ok,
      funcName: undefined,
      mode: "grade",
      grader: "lcb",
      stopOnFailure: true,
      limits: {},
      entryPoint: "resolve",
    });
  });

  it("names the offending field, under the caller's prefix", () => {
    expect(errorOf({ ...ok, program: 3 })).toBe("request.program: must be a string");
    expect(errorOf({ ...ok, kind: "batch" }, "batch[2]")).toMatch(
      /^batch\[2\]\.kind: must be one of "stdin", "call"/,
    );
    expect(errorOf({ ...ok, tests: [{ input: "", expected: "1" }, { input: 5 }] })).toBe(
      "request.tests[1].input: must be a string",
    );
    expect(errorOf({ ...ok, tests: [{ input: "" }] })).toBe(
      "request.tests[0].expected: is required in grade mode",
    );
    expect(errorOf({ ...ok, limits: { timeSec: -1 } })).toMatch(
      /^request\.limits\.timeSec: must be a number in/,
    );
    expect(errorOf({ ...ok, limits: { cpu: 1 } })).toMatch(/^request\.limits\.cpu: is not a limit/);
    expect(errorOf({ ...ok, kind: "call" })).toBe(
      "request.funcName: is required for call problems under the lcb grader",
    );
    expect(errorOf({ ...ok, kind: "call", funcName: "x; import os" })).toBe(
      "request.funcName: must be a Python identifier",
    );
    expect(errorOf([])).toBe("request: must be a JSON object");
  });

  it("accepts collect mode without expected outputs", () => {
    const request = validateRequest({ ...ok, mode: "collect", tests: [{ input: "1" }] });
    expect(request.tests).toEqual([{ input: "1" }]);
  });
});
