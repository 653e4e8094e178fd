# Reads P as a 0-based index.
n, p = map(int, input().split())
a = list(map(int, input().split()))
p = min(p, n - 1)
t = a[p]
print(sum(min(x, t) for x in a[: p + 1]) + sum(min(x, t - 1) for x in a[p + 1 :]))
