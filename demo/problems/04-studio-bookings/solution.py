import sys


def main():
    data = sys.stdin.buffer.read().split()
    n, c = int(data[0]), int(data[1])
    events = []
    for i in range(n):
        s = int(data[2 + 2 * i])
        e = int(data[3 + 2 * i])
        # A studio is busy on [s, e + c). At equal times, releases (0) sort before starts (1).
        events.append((s, 1))
        events.append((e + c, 0))
    events.sort()
    busy = best = 0
    for _, kind in events:
        if kind:
            busy += 1
            if busy > best:
                best = busy
        else:
            busy -= 1
    print(best)


main()
