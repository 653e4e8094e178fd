"""Tests for sstar_demo_08 (Rover Routes)."""

PUBLIC = [
    ([["...", "...", "..."]], 13),
    ([["...", ".#.", "..."]], 4),
    ([["#.", ".."]], 0),
]


def field(rng, m, n, rock_rate, keep_corners=True):
    g = [["#" if rng.random() < rock_rate else "." for _ in range(n)] for _ in range(m)]
    if keep_corners:
        g[0][0] = g[m - 1][n - 1] = "."
    return ["".join(row) for row in g]


def hidden(rng):
    tests = [
        [["."]],
        [["#"]],
        [[".."]],
        [[".", "."]],
        [[".#"]],
        [[".#."]],
        [[".#", "#."]],
        [["..", ".#"]],
        [["." * 300]],
        [["."] * 300],
        [["....", "....", "...."]],
        [["..#.", "#...", ".#..", "...."]],
        [["...", "###", "..."]],
        [[".##", "#.#", "##."]],
    ]
    while len(tests) < 28:
        m, n = rng.randint(1, 7), rng.randint(1, 7)
        test = [field(rng, m, n, rng.choice([0.0, 0.15, 0.3, 0.5]), keep_corners=rng.random() < 0.9)]
        if test not in tests and test not in [args for args, _ in PUBLIC]:
            tests.append(test)
    tests.append([field(rng, 40, 60, 0.2)])
    # Large fields: the counts are far beyond 10^9 + 7 before the modulo.
    tests.append([field(rng, 300, 300, 0.0)])
    tests.append([field(rng, 200, 300, 0.05)])
    tests.append([field(rng, 150, 200, 0.3)])
    return tests


def brute(args):
    """Walks every route (tiny fields only)."""
    (grid,) = args
    m, n = len(grid), len(grid[0])
    if m * n > 25:
        return None
    count = 0
    stack = [(0, 0)] if grid[0][0] == "." else []
    while stack:
        i, j = stack.pop()
        if (i, j) == (m - 1, n - 1):
            count += 1
            continue
        for a, b in ((i, j + 1), (i + 1, j), (i + 1, j + 1)):
            if a < m and b < n and grid[a][b] == ".":
                stack.append((a, b))
    return count % (10**9 + 7)
