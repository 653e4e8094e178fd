from typing import List


class Solution:
    def shortestVarietyWalk(self, stalls: List[int], k: int) -> int:
        # Correct, but grows a window from every start: quadratic when walks are long.
        best = -1
        for l in range(len(stalls)):
            seen = set()
            for r in range(l, len(stalls)):
                seen.add(stalls[r])
                if len(seen) >= k:
                    if best == -1 or r - l + 1 < best:
                        best = r - l + 1
                    break
        return best
