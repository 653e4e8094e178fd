# Correct but simulates every minute: far too slow for large demands.
from collections import deque

n, p = map(int, input().split())
a = list(map(int, input().split()))
line = deque(range(n))
minute = 0
while True:
    i = line.popleft()
    minute += 1
    a[i] -= 1
    if a[i] == 0:
        if i == p - 1:
            break
    else:
        line.append(i)
print(minute)
