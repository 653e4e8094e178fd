import sys


def main():
    data = sys.stdin.buffer.read().split()
    n, p = int(data[0]), int(data[1])
    a = data[2 : 2 + n]
    need = int(a[p - 1])
    total = 0
    for i in range(n):
        x = int(a[i])
        # Fans up to P buy at most `need` tickets before P is done; fans behind P at most need - 1.
        cap = need if i < p else need - 1
        total += x if x < cap else cap
    print(total)


main()
