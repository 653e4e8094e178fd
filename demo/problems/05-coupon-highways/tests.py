"""Tests for sstar_demo_05 (Coupon Highways)."""

import heapq
from itertools import permutations

PUBLIC = [
    ("4 4 1\n1 2 5\n2 4 7\n1 3 2\n3 4 9\n", "2\n"),
    ("3 1 5\n1 2 4\n", "-1\n"),
    ("5 5 2\n1 2 10\n2 5 10\n1 3 1\n3 4 1\n4 5 1\n", "0\n"),
]


def case(n, k, edges):
    return "%d %d %d\n%s\n" % (n, len(edges), k, "\n".join("%d %d %d" % e for e in edges))


def random_graph(rng, n, m, max_w, connected=True):
    edges = []
    if connected:
        order = list(range(2, n + 1))
        rng.shuffle(order)
        order = [1] + order
        for i in range(1, n):
            edges.append((order[i], order[rng.randrange(i)], rng.randint(1, max_w)))
    while len(edges) < m:
        u, v = rng.randint(1, n), rng.randint(1, n)
        if u != v:
            edges.append((u, v, rng.randint(1, max_w)))
    rng.shuffle(edges)
    return edges


def hidden(rng):
    tests = [
        case(2, 0, [(1, 2, 7)]),
        case(2, 1, [(1, 2, 7)]),
        case(2, 10, [(2, 1, 10**6)]),
        case(2, 0, [(1, 2, 5), (2, 1, 3), (1, 2, 9)]),
        case(3, 2, [(1, 2, 4)]),
        case(3, 1, [(2, 3, 4), (1, 2, 6)]),
        case(4, 1, [(1, 2, 1), (2, 3, 1), (3, 4, 1), (1, 4, 100)]),
        case(4, 2, [(1, 2, 1), (2, 3, 1), (3, 4, 1), (1, 4, 100)]),
        case(5, 1, [(1, 2, 1), (2, 3, 1), (3, 4, 1), (4, 5, 1), (1, 5, 3)]),
        case(6, 3, [(1, 2, 5), (3, 4, 5), (4, 5, 5), (5, 6, 5), (4, 6, 1)]),
        case(4, 0, [(4, 3, 2), (3, 2, 2), (2, 1, 2)]),
        # A long route of heavy tolls against a short route of medium ones.
        case(7, 2, [(1, 2, 50), (2, 7, 50), (1, 3, 1), (3, 4, 1), (4, 5, 1), (5, 6, 1), (6, 7, 60)]),
    ]
    while len(tests) < 26:
        n = rng.randint(2, 8)
        m = rng.randint(1, 12)
        k = rng.choice([0, 1, 1, 2, 3, 10])
        edges = random_graph(rng, n, m, rng.choice([5, 100, 10**6]), connected=rng.random() < 0.8)
        tests.append(case(n, k, edges))
    for _ in range(3):
        n = rng.randint(50, 300)
        tests.append(case(n, rng.randint(0, 10), random_graph(rng, n, 2 * n, 1000)))
    # Large graphs.
    n = 5000
    tests.append(case(n, 10, random_graph(rng, n, 7000, 10**6)))
    # A long path 1 - 2 - ... - n with shortcuts: many relaxations in every layer.
    n = 3000
    path = [(i, i + 1, rng.randint(1, 1000)) for i in range(1, n)]
    extra = [(rng.randint(1, n), rng.randint(1, n), rng.randint(1000, 10**6)) for _ in range(2000)]
    tests.append(case(n, 7, [e for e in path + extra if e[0] != e[1]]))
    # Two halves without a connection.
    n = 3000
    left = random_graph(rng, 1500, 2500, 10**6)
    right = [(u + 1500, v + 1500, w) for u, v, w in random_graph(rng, 1500, 2500, 10**6)]
    tests.append(case(n, 5, left + right))
    return tests


def brute(text):
    """Tries every simple route (a walk never beats the simple path inside it) on tiny graphs."""
    data = list(map(int, text.split()))
    n, m, k = data[0], data[1], data[2]
    if n > 8:
        return None
    best = {}
    for i in range(m):
        u, v, w = data[3 + 3 * i : 6 + 3 * i]
        for a, b in ((u, v), (v, u)):
            if (a, b) not in best or w < best[(a, b)]:
                best[(a, b)] = w
    answer = None
    middle = list(range(2, n))
    for size in range(len(middle) + 1):
        for route in permutations(middle, size):
            cities = [1, *route, n]
            tolls = []
            for a, b in zip(cities, cities[1:]):
                if (a, b) not in best:
                    break
                tolls.append(best[(a, b)])
            else:
                tolls.sort()
                cost = sum(tolls[: max(0, len(tolls) - k)])
                if answer is None or cost < answer:
                    answer = cost
    return "%d\n" % (-1 if answer is None else answer)
