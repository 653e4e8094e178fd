from typing import List


class Solution:
    def shortestVarietyWalk(self, stalls: List[int], k: int) -> int:
        count = {}
        best = len(stalls)
        left = 0
        for right, kind in enumerate(stalls):
            count[kind] = count.get(kind, 0) + 1
            while len(count) >= k:
                best = min(best, right - left + 1)
                count[stalls[left]] -= 1
                if count[stalls[left]] == 0:
                    del count[stalls[left]]
                left += 1
        return best
