#!/usr/bin/env python3
"""SNR in dB of a signal against a reference: two raw little-endian float32 mono files of the same
rate, compared sample by sample over their common length minus the first and last `skip` samples
(default 400: 50 ms at 8 kHz, away from fades and filter edges). Pure Python (no numpy), used by
bench/ringtone-quality.sh. usage: snr.py SIGNAL.f32 REFERENCE.f32 [skip]"""
import array
import math
import sys


def read(path):
    a = array.array("f")
    with open(path, "rb") as f:
        a.frombytes(f.read())
    if sys.byteorder != "little":
        a.byteswap()
    return a


def main():
    x, ref = read(sys.argv[1]), read(sys.argv[2])
    skip = int(sys.argv[3]) if len(sys.argv) > 3 else 400
    n = min(len(x), len(ref))
    signal = noise = 0.0
    for i in range(skip, n - skip):
        r = ref[i]
        signal += r * r
        noise += (x[i] - r) ** 2
    print(f"{10 * math.log10(signal / max(noise, 1e-30)):.2f}")


main()
