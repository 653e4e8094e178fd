from bisect import bisect_right
from typing import List


class Solution:
    def bestLineup(self, start: List[int], end: List[int], fee: List[int], limit: int) -> int:
        offers = sorted(zip(end, start, fee))
        ends = [e for e, _, _ in offers]
        fees = [f for _, _, f in offers]
        n = len(offers)
        # before[i]: how many offers (in order of end) finish no later than offer i starts.
        before = [bisect_right(ends, s) for _, s, _ in offers]
        # best[i]: the best total using offers among the first i, with at most j accepted (j grows per round).
        best = [0] * (n + 1)
        for _ in range(min(limit, n)):
            nxt = [0] * (n + 1)
            for i in range(n):
                take = best[before[i]] + fees[i]
                skip = nxt[i]
                nxt[i + 1] = take if take > skip else skip
            best = nxt
        return best[n]
