# Greedy that only tries the most recently opened studio.
import sys

data = sys.stdin.read().split()
n, c = int(data[0]), int(data[1])
b = sorted((int(data[2 + 2 * i]), int(data[3 + 2 * i])) for i in range(n))
free = []
for s, e in b:
    if free and free[-1] <= s:
        free[-1] = e + c
    else:
        free.append(e + c)
print(len(free))
