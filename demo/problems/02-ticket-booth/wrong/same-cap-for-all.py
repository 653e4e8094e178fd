# Caps every fan at A_P, also those behind fan P.
n, p = map(int, input().split())
a = list(map(int, input().split()))
t = a[p - 1]
print(sum(min(x, t) for x in a))
