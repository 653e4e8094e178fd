"""Tests for sstar_demo_09 (Festival Lineup)."""

PUBLIC = [
    ([[1, 3, 6, 2], [3, 6, 9, 8], [4, 5, 6, 10], 3], 15),
    ([[1, 3, 6, 2], [3, 6, 9, 8], [4, 5, 6, 10], 2], 11),
    ([[1, 5, 5], [5, 10, 6], [3, 4, 2], 2], 7),
]


def offers(rng, n, horizon, max_len, max_fee):
    start, end, fee = [], [], []
    for _ in range(n):
        s = rng.randint(0, horizon - 1)
        start.append(s)
        end.append(min(horizon, s + rng.randint(1, max_len)))
        fee.append(rng.randint(1, max_fee))
    return [start, end, fee]


def hidden(rng):
    tests = [
        [[0], [1], [5], 1],
        [[0], [10**9], [10**6], 50],
        [[0, 0], [5, 5], [3, 4], 2],
        [[0, 5], [5, 10], [3, 4], 1],
        [[0, 5], [5, 10], [3, 4], 2],
        [[0, 4], [5, 10], [3, 4], 2],
        [[1, 2, 3, 4], [2, 3, 4, 5], [1, 1, 1, 1], 3],
        [[1, 2, 3, 4], [2, 3, 4, 5], [1, 1, 1, 1], 50],
        [[0, 1, 2], [10, 2, 3], [5, 3, 3], 2],
        [[0, 1, 2], [10, 2, 3], [7, 3, 3], 2],
        [[5, 0, 3], [8, 3, 5], [2, 2, 2], 3],
        [[0, 10, 20, 5, 15], [10, 20, 30, 15, 25], [5, 5, 5, 9, 9], 2],
    ]
    while len(tests) < 30:
        n = rng.randint(1, 12)
        horizon = rng.choice([10, 30, 10**9])
        o = offers(rng, n, horizon, rng.choice([2, 5, horizon]), rng.choice([3, 20, 10**6]))
        tests.append(o + [rng.randint(1, n + 1)])
    tests.append(offers(rng, 300, 2000, 100, 1000) + [50])
    # Large: per-offer scans of all earlier offers are too slow in every layer.
    tests.append(offers(rng, 5000, 10**6, 3000, 10**6) + [50])
    tests.append(offers(rng, 5000, 1000, 20, 1000) + [37])
    return tests


def brute(args):
    """Tries every subset (tiny n only)."""
    start, end, fee, limit = args
    n = len(start)
    if n > 13:
        return None
    order = sorted(range(n), key=lambda i: start[i])
    best = 0
    for mask in range(1 << n):
        chosen = [i for i in order if mask >> i & 1]
        if len(chosen) > limit:
            continue
        if all(end[a] <= start[b] for a, b in zip(chosen, chosen[1:])):
            best = max(best, sum(fee[i] for i in chosen))
    return best
