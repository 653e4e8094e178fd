"""Tests for sstar_demo_02 (Ticket Booth Line)."""

from collections import deque

PUBLIC = [
    ("3 2\n2 3 2\n", "7\n"),
    ("5 1\n5 1 1 1 1\n", "9\n"),
    ("1 1\n1000000000\n", "1000000000\n"),
]


def case(p, a):
    return "%d %d\n%s\n" % (len(a), p, " ".join(map(str, a)))


def hidden(rng):
    tests = [
        case(1, [1]),
        case(1, [7]),
        case(2, [1, 1]),
        case(1, [1, 5]),
        case(2, [5, 1]),
        case(3, [4, 4, 4, 4, 4]),
        case(5, [4, 4, 4, 4, 4]),
        case(1, [4, 4, 4, 4, 4]),
        case(2, [3, 3, 9, 2, 3]),
        case(4, [10**9] * 6),
        case(3, [10**9, 1, 10**9, 10**9]),
    ]
    # Small random lines: checked against a simulation.
    while len(tests) < 26:
        n = rng.randint(1, 12)
        a = [rng.randint(1, rng.choice([3, 10, 50])) for _ in range(n)]
        tests.append(case(rng.randint(1, n), a))
    # Medium lines with huge demands.
    for _ in range(3):
        n = rng.randint(50, 400)
        a = [rng.randint(1, 10**9) for _ in range(n)]
        tests.append(case(rng.randint(1, n), a))
    # Large lines (a simulation is far too slow; so is anything quadratic).
    n = 8000
    a = [rng.randint(1, 10**9) for _ in range(n)]
    tests.append(case(n // 2, a))
    n = 20000
    a = [rng.randint(1, 99) for _ in range(n)]
    tests.append(case(1, a))
    a = [rng.randint(90, 99) for _ in range(n)]
    tests.append(case(n - 3, a))
    return tests


def brute(text):
    """Simulates the line one minute at a time (small totals only)."""
    data = list(map(int, text.split()))
    n, p, a = data[0], data[1], data[2:]
    if sum(a) > 100000:
        return None
    line = deque((i + 1, x) for i, x in enumerate(a))
    minute = 0
    while True:
        fan, left = line.popleft()
        minute += 1
        if fan == p and left == 1:
            return "%d\n" % minute
        if left > 1:
            line.append((fan, left - 1))
