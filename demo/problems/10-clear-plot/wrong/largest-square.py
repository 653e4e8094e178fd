from typing import List


class Solution:
    def largestClearPlot(self, land: List[str]) -> int:
        m, n = len(land), len(land[0])
        side = [[0] * (n + 1) for _ in range(m + 1)]
        best = 0
        for i in range(m):
            for j in range(n):
                if land[i][j] == ".":
                    side[i + 1][j + 1] = 1 + min(side[i][j], side[i][j + 1], side[i + 1][j])
                    best = max(best, side[i + 1][j + 1])
        return best * best
