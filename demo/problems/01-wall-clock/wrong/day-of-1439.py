# Off by one in the length of a day.
h, m = map(int, input().split(":"))
t = int(input())
total = (h * 60 + m + t) % 1439
print("%02d:%02d" % (total // 60, total % 60))
