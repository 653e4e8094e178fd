# At equal times, counts the new booking before releasing the studio.
import sys

data = sys.stdin.read().split()
n, c = int(data[0]), int(data[1])
events = []
for i in range(n):
    events.append((int(data[2 + 2 * i]), 0))
    events.append((int(data[3 + 2 * i]) + c, 1))
events.sort()
busy = best = 0
for _, kind in events:
    busy += -1 if kind else 1
    best = max(best, busy)
print(best)
