from bisect import bisect_right
from typing import List


class Solution:
    def bestLineup(self, start: List[int], end: List[int], fee: List[int], limit: int) -> int:
        offers = sorted(zip(end, start, fee))
        ends = [e for e, _, _ in offers]
        dp = [0] * (len(offers) + 1)
        for i, (e, s, f) in enumerate(offers):
            dp[i + 1] = max(dp[i], dp[bisect_right(ends, s)] + f)
        return dp[-1]
