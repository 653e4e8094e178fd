from typing import List


class Solution:
    def largestClearPlot(self, land: List[str]) -> int:
        n = len(land[0])
        heights = [0] * (n + 1)
        best = 0
        for row in land:
            for j in range(n):
                heights[j] = heights[j] + 1 if row[j] == "." else 0
            stack = []
            for j in range(n + 1):
                while stack and heights[stack[-1]] >= heights[j]:
                    i = stack.pop()
                    best = max(best, heights[i] * (j - i))
                stack.append(j)
        return best
