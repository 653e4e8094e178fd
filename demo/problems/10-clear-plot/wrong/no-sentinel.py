from typing import List


class Solution:
    def largestClearPlot(self, land: List[str]) -> int:
        n = len(land[0])
        heights = [0] * n
        best = 0
        for row in land:
            for j in range(n):
                heights[j] = heights[j] + 1 if row[j] == "." else 0
            stack = []
            for j in range(n):
                while stack and heights[stack[-1]] >= heights[j]:
                    top = heights[stack.pop()]
                    left = stack[-1] if stack else -1
                    best = max(best, top * (j - left - 1))
                stack.append(j)
        return best
