from typing import List


class Solution:
    def countRoverRoutes(self, grid: List[str]) -> int:
        m, n = len(grid), len(grid[0])
        ways = [[0] * n for _ in range(m)]
        for i in range(m):
            for j in range(n):
                if grid[i][j] == "#":
                    continue
                if i == 0 and j == 0:
                    ways[i][j] = 1
                    continue
                w = 0
                if i > 0:
                    w += ways[i - 1][j]
                if j > 0:
                    w += ways[i][j - 1]
                if i > 0 and j > 0:
                    w += ways[i - 1][j - 1]
                ways[i][j] = w
        return ways[m - 1][n - 1]
