from typing import List


class Solution:
    def largestClearPlot(self, land: List[str]) -> int:
        # Counts clear cells per column above the row instead of the unbroken run.
        n = len(land[0])
        heights = [0] * (n + 1)
        best = 0
        for row in land:
            for j in range(n):
                if row[j] == ".":
                    heights[j] += 1
            stack = []
            for j in range(n + 1):
                h = heights[j] if j < n and row[j] == "." else 0
                while stack and stack[-1][1] >= h:
                    _, top = stack.pop()
                    left = stack[-1][0] if stack else -1
                    best = max(best, top * (j - left - 1))
                stack.append((j, h))
        return best
