from typing import List


class Solution:
    def longestGentleStretch(self, heights: List[int], d: int) -> int:
        best = 1
        run = 1
        for i in range(1, len(heights)):
            if abs(heights[i] - heights[i - 1]) <= d:
                run += 1
            else:
                best = max(best, run)
                run = 1
        return best
