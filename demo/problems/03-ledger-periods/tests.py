"""Tests for sstar_demo_03 (Ledger Periods)."""

PUBLIC = [
    ("5 3\n1 2 0 3 -3\n", "5\n"),
    ("4 0\n0 0 0 0\n", "10\n"),
    ("3 -5\n1 2 3\n", "0\n"),
]


def case(k, a):
    return "%d %d\n%s\n" % (len(a), k, " ".join(map(str, a)))


def hidden(rng):
    tests = [
        case(0, [0]),
        case(5, [5]),
        case(-5, [5]),
        case(0, [7]),
        case(0, [1, -1, 1, -1, 1, -1]),
        case(1, [1, -1, 1, -1, 1, -1]),
        case(-3, [-1, -1, -1, -1, -1]),
        case(10000, [10000, -10000, 10000]),
        case(10**10, [10**4] * 8),
        case(-(10**10), [-(10**4)] * 8),
        case(6, [1, 2, 3, -6, 1, 2, 3]),
    ]
    while len(tests) < 27:
        n = rng.randint(1, 60)
        lo = rng.choice([-3, -10, 0, -10000])
        hi = rng.choice([3, 10, 10000])
        a = [rng.randint(lo, hi) for _ in range(n)]
        if rng.random() < 0.7:
            l = rng.randrange(n)
            r = rng.randrange(l, n)
            k = sum(a[l : r + 1])
        else:
            k = rng.randint(-20, 20)
        tests.append(case(k, a))
    for _ in range(2):
        n = rng.randint(500, 2000)
        a = [rng.randint(-10**4, 10**4) for _ in range(n)]
        tests.append(case(sum(a[n // 3 : n // 2]), a))
    # Large: any quadratic scan is too slow here.
    n = 30000
    tests.append(case(0, [0] * n))
    a = [rng.randint(-9, 9) for _ in range(n)]
    tests.append(case(4, a))
    a = [rng.randint(-2, 3) for _ in range(n)]
    tests.append(case(-1, a))
    return tests


def brute(text):
    """Tries every period (small N only)."""
    data = list(map(int, text.split()))
    n, k, a = data[0], data[1], data[2:]
    if n > 2500:
        return None
    count = 0
    for l in range(n):
        total = 0
        for r in range(l, n):
            total += a[r]
            if total == k:
                count += 1
    return "%d\n" % count
