# Ignores the cleaning time.
import sys

data = sys.stdin.read().split()
n = int(data[0])
events = []
for i in range(n):
    events.append((int(data[2 + 2 * i]), 1))
    events.append((int(data[3 + 2 * i]), 0))
events.sort()
busy = best = 0
for _, kind in events:
    busy += 1 if kind else -1
    best = max(best, busy)
print(best)
