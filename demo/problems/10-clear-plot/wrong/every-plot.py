from typing import List


class Solution:
    def largestClearPlot(self, land: List[str]) -> int:
        # Correct, but checks every plot with prefix sums: O(m^2 n^2).
        m, n = len(land), len(land[0])
        rocks = [[0] * (n + 1) for _ in range(m + 1)]
        for i in range(m):
            for j in range(n):
                rocks[i + 1][j + 1] = rocks[i][j + 1] + rocks[i + 1][j] - rocks[i][j] + (land[i][j] == "#")
        best = 0
        for a in range(m):
            for b in range(a + 1, m + 1):
                for c in range(n):
                    for d in range(c + 1, n + 1):
                        if rocks[b][d] - rocks[a][d] - rocks[b][c] + rocks[a][c] == 0:
                            best = max(best, (b - a) * (d - c))
        return best
