# Moves hours and minutes separately and loses the carry from the minutes.
h, m = map(int, input().split(":"))
t = int(input())
print("%02d:%02d" % ((h + t // 60) % 24, (m + t) % 60))
