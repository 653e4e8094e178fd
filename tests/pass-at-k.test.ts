import { describe, expect, it } from "vitest";
import { passAtK } from "../method/pass-at-k";

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

describe("passAtK", () => {
  it("is the fraction correct at k = 1", () => {
    expect(passAtK(16, 4, 1)).toBeCloseTo(0.25, 12);
  });
  it("is 1 when every draw of k must include a correct sample", () => {
    expect(passAtK(5, 3, 3)).toBe(1);
    expect(passAtK(16, 16, 16)).toBe(1);
  });
  it("is 0 with no correct sample", () => {
    expect(passAtK(16, 0, 8)).toBe(0);
  });
  it("matches the closed form 1 - C(n-c,k)/C(n,k)", () => {
    for (const [n, c, k] of [
      [10, 3, 2],
      [20, 5, 7],
      [16, 1, 16],
    ] as const) {
      expect(passAtK(n, c, k)).toBeCloseTo(1 - binomial(n - c, k) / binomial(n, k), 12);
    }
  });
  it("rejects impossible arguments, naming them", () => {
    expect(() => passAtK(4, 5, 1)).toThrow(/n=4 c=5 k=1/);
    expect(() => passAtK(4, 1, 0)).toThrow(RangeError);
  });
});
