"""Tests for sstar_demo_10 (Largest Clear Plot)."""

PUBLIC = [
    ([["..#..", "....#", "#....", "....."]], 9),
    ([["#"]], 0),
    ([[".##.", "...."]], 4),
]


def land(rng, m, n, rock_rate):
    return ["".join("#" if rng.random() < rock_rate else "." for _ in range(n)) for _ in range(m)]


def hidden(rng):
    tests = [
        [["."]],
        [["##", "##"]],
        [["." * 250]],
        [["."] * 250],
        [["#.#.#", ".#.#.", "#.#.#"]],
        [["...", "...", "..#"]],
        [["#..", "...", "..."]],
        [[".#.", "...", ".#."]],
        [["..#", "..#", "###"]],
        [["....#", "#....", "....."]],
        [["...#...", "...#...", "......."]],
        [["#....#", "......", ".####.", "......"]],
    ]
    while len(tests) < 28:
        m, n = rng.randint(1, 8), rng.randint(1, 8)
        tests.append([land(rng, m, n, rng.choice([0.0, 0.1, 0.25, 0.4, 0.7]))])
    tests.append([land(rng, 40, 60, 0.1)])
    # Large: anything that enumerates plots or pairs of rows per column is too slow.
    tests.append([land(rng, 250, 250, 0.004)])
    tests.append([land(rng, 250, 250, 0.08)])
    big = [["."] * 250 for _ in range(250)]
    for _ in range(60):
        big[rng.randrange(250)][rng.randrange(250)] = "#"
    tests.append([["".join(row) for row in big]])
    return tests


def brute(args):
    """Checks every plot with prefix sums (small grids only)."""
    (grid,) = args
    m, n = len(grid), len(grid[0])
    if m * n > 400:
        return None
    rocks = [[0] * (n + 1) for _ in range(m + 1)]
    for i in range(m):
        for j in range(n):
            rocks[i + 1][j + 1] = rocks[i][j + 1] + rocks[i + 1][j] - rocks[i][j] + (grid[i][j] == "#")
    best = 0
    for a in range(m):
        for b in range(a + 1, m + 1):
            for c in range(n):
                for d in range(c + 1, n + 1):
                    if rocks[b][d] - rocks[a][d] - rocks[b][c] + rocks[a][c] == 0:
                        best = max(best, (b - a) * (d - c))
    return best
