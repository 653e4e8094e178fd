from typing import List


class Solution:
    def shortestVarietyWalk(self, stalls: List[int], k: int) -> int:
        # Shrinks only the first window that reaches k kinds.
        count = {}
        for right, kind in enumerate(stalls):
            count[kind] = count.get(kind, 0) + 1
            if len(count) >= k:
                left = 0
                while count[stalls[left]] > 1:
                    count[stalls[left]] -= 1
                    left += 1
                return right - left + 1
        return -1
