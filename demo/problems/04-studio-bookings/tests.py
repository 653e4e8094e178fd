"""Tests for sstar_demo_04 (Studio Bookings)."""

PUBLIC = [
    ("3 0\n1 5\n5 8\n2 6\n", "2\n"),
    ("2 2\n1 5\n6 9\n", "2\n"),
    ("3 2\n1 5\n7 9\n11 12\n", "1\n"),
]


def case(c, bookings):
    return "%d %d\n%s\n" % (len(bookings), c, "\n".join("%d %d" % b for b in bookings))


def random_bookings(rng, n, horizon, max_len):
    out = []
    for _ in range(n):
        s = rng.randint(0, horizon - 1)
        out.append((s, min(horizon, s + rng.randint(1, max_len))))
    return out


def hidden(rng):
    tests = [
        case(0, [(0, 1)]),
        case(10**9, [(0, 10**9)]),
        case(0, [(0, 10**9), (0, 10**9)]),
        case(0, [(1, 2), (2, 3), (3, 4), (4, 5)]),
        case(1, [(1, 2), (2, 3), (3, 4), (4, 5)]),
        case(1, [(1, 2), (3, 4), (5, 6), (7, 8)]),
        case(10**9, [(0, 1), (10**9 - 1, 10**9)]),
        case(10**9 - 1, [(0, 1), (10**9 - 1, 10**9)]),
        case(0, [(5, 9), (1, 5), (9, 12), (1, 12)]),
        case(3, [(10, 20), (0, 7), (23, 30), (7, 10)]),
    ]
    while len(tests) < 28:
        n = rng.randint(1, 40)
        horizon = rng.choice([20, 100, 10**9])
        max_len = rng.choice([3, 10, horizon])
        c = rng.choice([0, 0, 1, 2, 5, rng.randint(0, horizon)])
        tests.append(case(c, random_bookings(rng, n, horizon, max_len)))
    tests.append(case(7, random_bookings(rng, 2000, 10**6, 5000)))
    # Large: quadratic overlap counting is too slow here.
    tests.append(case(0, random_bookings(rng, 12000, 100, 10)))
    tests.append(case(3, random_bookings(rng, 5000, 10**6, 2000)))
    tests.append(case(2, [(3 * i, 3 * i + 1) for i in range(6000)]))
    # About 6e8 steps for a quadratic count: far past the limit on any machine, while the sweep takes
    # a fraction of a second.
    tests.append(case(1, random_bookings(rng, 25000, 100, 10)))
    return tests


def brute(text):
    """The largest number of extended intervals covering some booking's start (small n only)."""
    data = list(map(int, text.split()))
    n, c = data[0], data[1]
    if n > 2500:
        return None
    b = [(data[2 + 2 * i], data[3 + 2 * i] + c) for i in range(n)]
    best = 0
    for s, _ in b:
        best = max(best, sum(1 for t, u in b if t <= s < u))
    return "%d\n" % best
