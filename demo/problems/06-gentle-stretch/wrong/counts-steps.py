from typing import List


class Solution:
    def longestGentleStretch(self, heights: List[int], d: int) -> int:
        best = run = 0
        for i in range(1, len(heights)):
            if abs(heights[i] - heights[i - 1]) <= d:
                run += 1
                best = max(best, run)
            else:
                run = 0
        return max(best, 1)
