# Forgets the unreachable case.
import sys
from heapq import heappop, heappush

data = sys.stdin.read().split()
n, m, k = int(data[0]), int(data[1]), int(data[2])
adj = [[] for _ in range(n + 1)]
for i in range(m):
    u, v, w = int(data[3 + 3 * i]), int(data[4 + 3 * i]), int(data[5 + 3 * i])
    adj[u].append((v, w))
    adj[v].append((u, w))
INF = 10**18
dist = [[INF] * (k + 1) for _ in range(n + 1)]
dist[1][0] = 0
heap = [(0, 1, 0)]
while heap:
    d, v, j = heappop(heap)
    if d > dist[v][j]:
        continue
    for x, w in adj[v]:
        if d + w < dist[x][j]:
            dist[x][j] = d + w
            heappush(heap, (d + w, x, j))
        if j < k and d < dist[x][j + 1]:
            dist[x][j + 1] = d
            heappush(heap, (d, x, j + 1))
print(min(dist[n]))
