# Forgets the two-digit format.
h, m = map(int, input().split(":"))
t = int(input())
total = (h * 60 + m + t) % 1440
print("%d:%d" % (total // 60, total % 60))
