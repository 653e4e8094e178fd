from bisect import bisect_left
from typing import List


class Solution:
    def bestLineup(self, start: List[int], end: List[int], fee: List[int], limit: int) -> int:
        offers = sorted(zip(end, start, fee))
        ends = [e for e, _, _ in offers]
        n = len(offers)
        before = [bisect_left(ends, s) for _, s, _ in offers]
        best = [0] * (n + 1)
        for _ in range(min(limit, n)):
            nxt = [0] * (n + 1)
            for i in range(n):
                nxt[i + 1] = max(nxt[i], best[before[i]] + offers[i][2])
            best = nxt
        return best[n]
