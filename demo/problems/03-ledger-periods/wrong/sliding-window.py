# A two-pointer window: only valid when every change is non-negative.
n, k = map(int, input().split())
a = list(map(int, input().split()))
count = total = left = 0
for right in range(n):
    total += a[right]
    while total > k and left <= right:
        total -= a[left]
        left += 1
    if total == k and left <= right:
        count += 1
print(count)
