from typing import List


class Solution:
    def bestLineup(self, start: List[int], end: List[int], fee: List[int], limit: int) -> int:
        # Correct, but looks at every earlier offer in every layer: O(n^2 * limit).
        offers = sorted(zip(end, start, fee))
        n = len(offers)
        best = [0] * n
        answer = 0
        for _ in range(min(limit, n)):
            nxt = [0] * n
            for i in range(n):
                e, s, f = offers[i]
                top = 0
                for j in range(i):
                    if offers[j][0] <= s and best[j] > top:
                        top = best[j]
                nxt[i] = top + f
            best = nxt
            answer = max(answer, max(best))
        return answer
