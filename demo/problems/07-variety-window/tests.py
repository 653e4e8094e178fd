"""Tests for sstar_demo_07 (Shortest Variety Walk)."""

PUBLIC = [
    ([[4, 2, 4, 4, 3, 2, 1], 3], 3),
    ([[5, 5, 5], 1], 1),
    ([[1, 2, 1, 2], 3], -1),
]


def hidden(rng):
    tests = [
        [[7], 1],
        [[7], 2],
        [[1, 2], 2],
        [[1, 1], 2],
        [[10**9, 1, 10**9], 2],
        [[1, 2, 3, 4, 5], 5],
        [[1, 2, 3, 4, 5], 6],
        [[1, 2, 3, 4, 5], 100000],
        [[3, 3, 3, 1, 2, 2, 2, 3, 1], 3],
        [[1, 1, 1, 1, 2, 2, 2, 2, 3], 3],
        [[2, 1, 1, 1, 1, 1, 1, 1, 2, 3], 3],
        [[5, 4, 3, 2, 1, 1, 2, 3, 4, 5], 5],
    ]
    while len(tests) < 28:
        n = rng.randint(1, 40)
        kinds = rng.randint(1, 8)
        stalls = [rng.randint(1, kinds) for _ in range(n)]
        tests.append([stalls, rng.randint(1, kinds + 1)])
    for _ in range(2):
        n = 2000
        stalls = [rng.choice([1, 2, 3, rng.randint(1, 10**9)]) for _ in range(n)]
        tests.append([stalls, rng.randint(3, 40)])
    # Large: the shortest walk is long, so growing a window from every start is quadratic.
    n = 20000
    stalls = [rng.randint(1, 60) for _ in range(n)]
    for i in rng.sample(range(n), 3):
        stalls[i] = 99
    tests.append([stalls, 61])
    tests.append([[1 + (i % 50) for i in range(n)], 51])
    tests.append([[rng.randint(1, 90) for _ in range(5000)], 90])
    return tests


def brute(args):
    """Grows a window from every start (small n only)."""
    stalls, k = args
    n = len(stalls)
    if n > 2500:
        return None
    best = -1
    for l in range(n):
        seen = set()
        for r in range(l, n):
            seen.add(stalls[r])
            if len(seen) >= k:
                if best == -1 or r - l + 1 < best:
                    best = r - l + 1
                break
    return best
