#!/usr/bin/env python3
"""SSIM (Wang et al. 2004) of two same-size 8-bit grayscale PGM (P5) images: 11x11 Gaussian
window, sigma 1.5, K1 = 0.01, K2 = 0.03, L = 255, mean over the valid region. Pure Python, used
by bench/hlpres.sh because ImageMagick 6 has no SSIM metric. Prints the mean SSIM."""
import math
import sys


def read_pgm(path):
    data = open(path, "rb").read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos : pos + 1].isspace():
            pos += 1
        if data[pos : pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end : end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    assert fields[0] == b"P5" and int(fields[3]) == 255, "need an 8-bit P5 PGM"
    w, h = int(fields[1]), int(fields[2])
    px = data[pos + 1 : pos + 1 + w * h]
    return w, h, [list(map(float, px[y * w : (y + 1) * w])) for y in range(h)]


def kernel():
    k = [math.exp(-((i - 5) ** 2) / (2 * 1.5**2)) for i in range(11)]
    s = sum(k)
    return [v / s for v in k]


def blur(img, k):
    """Separable 11-tap filter, 'valid' region only."""
    rows = [[sum(k[i] * row[x + i] for i in range(11)) for x in range(len(row) - 10)] for row in img]
    h = len(rows)
    return [[sum(k[i] * rows[y + i][x] for i in range(11)) for x in range(len(rows[0]))] for y in range(h - 10)]


def ssim(a, b):
    k = kernel()
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mu_a, mu_b = blur(a, k), blur(b, k)
    aa = blur([[v * v for v in r] for r in a], k)
    bb = blur([[v * v for v in r] for r in b], k)
    ab = blur([[x * y for x, y in zip(ra, rb)] for ra, rb in zip(a, b)], k)
    total, n = 0.0, 0
    for y in range(len(mu_a)):
        for x in range(len(mu_a[0])):
            ma, mb = mu_a[y][x], mu_b[y][x]
            va, vb, cov = aa[y][x] - ma * ma, bb[y][x] - mb * mb, ab[y][x] - ma * mb
            total += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2))
            n += 1
    return total / n


if __name__ == "__main__":
    wa, ha, a = read_pgm(sys.argv[1])
    wb, hb, b = read_pgm(sys.argv[2])
    assert (wa, ha) == (wb, hb), f"sizes differ: {wa}x{ha} vs {wb}x{hb}"
    print(f"{ssim(a, b):.4f}")
