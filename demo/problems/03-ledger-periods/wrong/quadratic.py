# Correct, but tries every period: too slow for large N.
n, k = map(int, input().split())
a = list(map(int, input().split()))
prefix = [0]
for x in a:
    prefix.append(prefix[-1] + x)
count = 0
for r in range(1, n + 1):
    pr = prefix[r] - k
    for l in range(r):
        if prefix[l] == pr:
            count += 1
print(count)
