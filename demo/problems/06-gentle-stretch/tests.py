"""Tests for sstar_demo_06 (Longest Gentle Stretch)."""

PUBLIC = [
    ([[3, 5, 6, 10, 9, 9, 1], 2], 3),
    ([[7, 7, 7, 7], 0], 4),
    ([[1, 100], 5], 1),
]


def walk(rng, n, step, jump_rate, jump, top=10**9):
    h = [rng.randint(0, top)]
    for _ in range(n - 1):
        delta = rng.randint(-jump, jump) if rng.random() < jump_rate else rng.randint(-step, step)
        h.append(min(10**9, max(0, h[-1] + delta)))
    return h


def hidden(rng):
    tests = [
        [[0], 0],
        [[10**9], 10**9],
        [[5, 5], 0],
        [[5, 6], 0],
        [[5, 6], 1],
        [[6, 5], 1],
        [[0, 10**9], 10**9],
        [[0, 10**9], 10**9 - 1],
        [[1, 2, 3, 4, 5, 100], 1],
        [[100, 1, 2, 3, 4, 5], 1],
        [[9, 7, 5, 3, 1], 2],
        [[9, 7, 5, 3, 1], 1],
        [[1, 3, 1, 3, 10, 12, 10, 12, 10], 2],
        [[4, 1, 4, 1, 4], 2],
    ]
    while len(tests) < 30:
        n = rng.randint(2, 40)
        d = rng.choice([0, 1, 2, 5, 10])
        h = [rng.randint(0, rng.choice([3, 10, 30])) for _ in range(n)]
        tests.append([h, d])
    h = walk(rng, 2000, 10, 0.01, 10**4)
    tests.append([h, 10])
    # Large trails.
    tests.append([walk(rng, 12000, 100, 0.002, 10**4, top=50000), 100])
    tests.append([[rng.randint(0, 9) for _ in range(20000)], 8])
    return tests


def brute(args):
    """Checks every stretch (small n only)."""
    heights, d = args
    n = len(heights)
    if n > 2500:
        return None
    best = 1
    for l in range(n):
        for r in range(l + 1, n):
            if abs(heights[r] - heights[r - 1]) > d:
                break
            best = max(best, r - l + 1)
    return best
