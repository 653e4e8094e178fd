from typing import List


class Solution:
    def countRoverRoutes(self, grid: List[str]) -> int:
        mod = 10**9 + 7
        m, n = len(grid), len(grid[0])
        prev = [0] * n
        for i in range(m):
            row = grid[i]
            cur = [0] * n
            for j in range(n):
                if row[j] == "#":
                    continue
                if i == 0 and j == 0:
                    cur[j] = 1
                    continue
                ways = prev[j]
                if j > 0:
                    ways += cur[j - 1] + prev[j - 1]
                cur[j] = ways % mod
            prev = cur
        return prev[n - 1]
