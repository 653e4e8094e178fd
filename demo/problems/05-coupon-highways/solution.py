import sys
from heapq import heappop, heappush


def main():
    data = sys.stdin.buffer.read().split()
    n, m, k = int(data[0]), int(data[1]), int(data[2])
    adj = [[] for _ in range(n + 1)]
    for i in range(m):
        u = int(data[3 + 3 * i])
        v = int(data[4 + 3 * i])
        w = int(data[5 + 3 * i])
        adj[u].append((v, w))
        adj[v].append((u, w))
    layers = k + 1
    inf = float("inf")
    # State (city, coupons used so far), numbered city * layers + used.
    dist = [inf] * ((n + 1) * layers)
    dist[1 * layers] = 0
    heap = [(0, 1 * layers)]
    while heap:
        d, state = heappop(heap)
        if d > dist[state]:
            continue
        city, used = divmod(state, layers)
        for nxt, w in adj[city]:
            base = nxt * layers + used
            nd = d + w
            if nd < dist[base]:
                dist[base] = nd
                heappush(heap, (nd, base))
            if used < k and d < dist[base + 1]:
                dist[base + 1] = d
                heappush(heap, (d, base + 1))
    best = min(dist[n * layers : n * layers + layers])
    print(-1 if best == inf else best)


main()
