# Treats fan P like the fans behind it.
n, p = map(int, input().split())
a = list(map(int, input().split()))
t = a[p - 1]
print(sum(min(x, t) for x in a[: p - 1]) + sum(min(x, t - 1) for x in a[p - 1 :]))
