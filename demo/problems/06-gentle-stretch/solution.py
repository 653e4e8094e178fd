from typing import List


class Solution:
    def longestGentleStretch(self, heights: List[int], d: int) -> int:
        best = run = 1
        for i in range(1, len(heights)):
            if abs(heights[i] - heights[i - 1]) <= d:
                run += 1
                if run > best:
                    best = run
            else:
                run = 1
        return best
