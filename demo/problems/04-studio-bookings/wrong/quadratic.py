# Correct, but counts overlaps pair by pair: too slow for large n.
import sys

data = sys.stdin.read().split()
n, c = int(data[0]), int(data[1])
b = [(int(data[2 + 2 * i]), int(data[3 + 2 * i]) + c) for i in range(n)]
best = 0
for s, _ in b:
    cnt = 0
    for t, u in b:
        if t <= s < u:
            cnt += 1
    if cnt > best:
        best = cnt
print(best)
