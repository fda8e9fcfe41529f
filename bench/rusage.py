#!/usr/bin/env python3
"""Runs a command N times and prints the medians of its CPU time (user + system, from the
kernel's per-process accounting, microsecond resolution), wall time, and minor page faults.
Used by bench/startup.sh. usage: rusage.py RUNS COMMAND [ARG...]"""
import resource
import statistics
import subprocess
import sys
import time


def main():
    runs, cmd = int(sys.argv[1]), sys.argv[2:]
    cpu, wall, faults = [], [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        t1 = time.perf_counter()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
        wall.append((t1 - t0) * 1000)
        faults.append(after.ru_minflt - before.ru_minflt)
    print(f"{statistics.median(cpu):.2f} {statistics.median(wall):.2f} {statistics.median(faults):.0f}")


main()
