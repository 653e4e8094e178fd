"""Tests for sstar_demo_01 (Wall Clock Adjustment)."""

PUBLIC = [
    ("09:45\n30\n", "10:15\n"),
    ("00:10\n-25\n", "23:45\n"),
    ("23:59\n2881\n", "00:00\n"),
]


def case(h, m, t):
    return "%02d:%02d\n%d\n" % (h, m, t)


def hidden(rng):
    tests = [
        case(0, 0, 0),
        case(23, 59, 0),
        case(23, 59, 1),
        case(0, 0, -1),
        case(12, 0, 1440),
        case(12, 0, -1440),
        case(0, 0, 10**9),
        case(0, 0, -(10**9)),
        case(23, 59, 10**9),
        case(0, 1, -(10**9)),
        case(7, 30, 59),
        case(7, 30, -31),
        case(13, 37, 1439),
        case(13, 37, -1439),
        case(0, 0, 1439),
        case(9, 5, 55),
        case(22, 58, 61),
    ]
    while len(tests) < 32:
        h, m = rng.randrange(24), rng.randrange(60)
        scale = rng.choice([100, 3000, 10**6, 10**9])
        tests.append(case(h, m, rng.randint(-scale, scale)))
    return tests


def brute(text):
    """Moves the hands one minute at a time (small |T| only)."""
    s, t = text.split()
    h, m = map(int, s.split(":"))
    t = int(t)
    if abs(t) > 200000:
        return None
    for _ in range(abs(t)):
        if t > 0:
            m += 1
            if m == 60:
                m, h = 0, h + 1
                if h == 24:
                    h = 0
        else:
            m -= 1
            if m < 0:
                m, h = 59, h - 1
                if h < 0:
                    h = 23
    return "%02d:%02d\n" % (h, m)
