# Takes the cheapest route without coupons, then spends the coupons on its largest tolls.
import sys
from heapq import heappop, heappush

data = sys.stdin.read().split()
n, m, k = int(data[0]), int(data[1]), int(data[2])
adj = [[] for _ in range(n + 1)]
for i in range(m):
    u, v, w = int(data[3 + 3 * i]), int(data[4 + 3 * i]), int(data[5 + 3 * i])
    adj[u].append((v, w))
    adj[v].append((u, w))
INF = float("inf")
dist = [INF] * (n + 1)
prev = [None] * (n + 1)
dist[1] = 0
heap = [(0, 1)]
while heap:
    d, v = heappop(heap)
    if d > dist[v]:
        continue
    for x, w in adj[v]:
        if d + w < dist[x]:
            dist[x] = d + w
            prev[x] = (v, w)
            heappush(heap, (d + w, x))
if dist[n] == INF:
    print(-1)
else:
    tolls = []
    v = n
    while v != 1:
        v, w = prev[v]
        tolls.append(w)
    tolls.sort(reverse=True)
    print(sum(tolls[k:]))
