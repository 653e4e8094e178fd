# Forgets the empty prefix, so periods starting on day 1 are never counted.
n, k = map(int, input().split())
a = list(map(int, input().split()))
seen = {}
prefix = count = 0
for x in a:
    prefix += x
    count += seen.get(prefix - k, 0)
    seen[prefix] = seen.get(prefix, 0) + 1
print(count)
