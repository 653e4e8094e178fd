from typing import List


class Solution:
    def largestClearPlot(self, land: List[str]) -> int:
        n = len(land[0])
        heights = [0] * (n + 1)  # heights[n] stays 0: a sentinel that empties the stack
        best = 0
        for row in land:
            for j in range(n):
                heights[j] = heights[j] + 1 if row[j] == "." else 0
            stack = []  # column indices with increasing heights
            for j in range(n + 1):
                h = heights[j]
                while stack and heights[stack[-1]] >= h:
                    top = heights[stack.pop()]
                    left = stack[-1] if stack else -1
                    area = top * (j - left - 1)
                    if area > best:
                        best = area
                stack.append(j)
        return best
