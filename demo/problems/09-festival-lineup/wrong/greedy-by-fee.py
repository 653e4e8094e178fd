from typing import List


class Solution:
    def bestLineup(self, start: List[int], end: List[int], fee: List[int], limit: int) -> int:
        chosen = []
        for i in sorted(range(len(fee)), key=lambda i: -fee[i]):
            if len(chosen) == limit:
                break
            if all(end[i] <= start[j] or end[j] <= start[i] for j in chosen):
                chosen.append(i)
        return sum(fee[i] for i in chosen)
