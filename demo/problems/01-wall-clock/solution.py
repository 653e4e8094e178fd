import sys


def main():
    data = sys.stdin.read().split()
    hours, minutes = data[0].split(":")
    shift = int(data[1])
    total = (int(hours) * 60 + int(minutes) + shift) % (24 * 60)
    print("%02d:%02d" % (total // 60, total % 60))


main()
