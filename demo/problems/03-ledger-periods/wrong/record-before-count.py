# Records the prefix before looking it up, so K = 0 also counts empty periods.
n, k = map(int, input().split())
a = list(map(int, input().split()))
seen = {0: 1}
prefix = count = 0
for x in a:
    prefix += x
    seen[prefix] = seen.get(prefix, 0) + 1
    count += seen.get(prefix - k, 0)
print(count)
