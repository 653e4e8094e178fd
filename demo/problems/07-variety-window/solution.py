from typing import List


class Solution:
    def shortestVarietyWalk(self, stalls: List[int], k: int) -> int:
        count = {}
        best = len(stalls) + 1
        left = 0
        for right, kind in enumerate(stalls):
            count[kind] = count.get(kind, 0) + 1
            while len(count) >= k:
                if right - left + 1 < best:
                    best = right - left + 1
                gone = stalls[left]
                count[gone] -= 1
                if count[gone] == 0:
                    del count[gone]
                left += 1
        return best if best <= len(stalls) else -1
