#!/usr/bin/env bash
# Fixed cost: commands that do (almost) no work, timed as whole processes, next to SoX's own fixed
# cost on the same 1 s input. For each command: the median over N runs of CPU time (user + system,
# from the kernel's accounting via bench/rusage.py), wall time, and minor page faults; and the
# binary's size; with valgrind installed, the instructions each executes (load-independent).
#
#   bundler --version
#   bundler models
#   bundler ringtone one-second.wav --slot 5 -o OUT     (a 1 s 44.1 kHz stereo WAV)
#   sox one-second.wav -D -r 8000 -c 1 -t ul OUT         (the same 1 s with SoX)
#
# usage: bench/startup.sh [runs]   (default 51; BENCH_BUNDLER=/path/to/bundler for another build)
# needs: sox, python3, cargo
set -euo pipefail
runs=${1:-51}
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [runs]" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
command -v sox >/dev/null || { echo "sox is required (apt-get install sox)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is required" >&2; exit 1; }
source "$root/bench/lib.sh"  # sets $bundler
work=$(mktemp -d "${TMPDIR:-/tmp}/startup.XXXXXX")
trap 'rm -rf "$work"' EXIT
sox -n -r 44100 -c 2 -b 16 "$work/one.wav" synth 1 sine 440 sine 660 vol 0.5

# Instructions executed in user space (valgrind's count, one run): the same on a busy machine as on
# a quiet one, so it shows a change that CPU time at this load would hide. Left out without valgrind.
instructions() {
  command -v valgrind >/dev/null || { echo -; return; }
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' | awk '{printf "%.2fM", $1 / 1e6}'
}

measure() { # label command...
  local label=$1
  shift
  read -r cpu wall faults < <(python3 bench/rusage.py "$runs" "$@")
  printf '%-34s %8s %8s %8s %12s\n' "$label" "$cpu" "$wall" "$faults" "$(instructions "$@")"
}
printf '%-34s %8s %8s %8s %12s\n' command 'CPU ms' 'wall ms' faults instructions
measure "bundler --version" "$bundler" --version
measure "bundler models" "$bundler" models
measure "bundler ringtone (1 s input)" "$bundler" ringtone "$work/one.wav" --slot 5 -o "$work/out.bin"
measure "sox (1 s input)" sox "$work/one.wav" -D -r 8000 -c 1 -t ul "$work/out.ul"
echo
echo "binary: $(stat -c %s "$bundler") bytes ($bundler)"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
