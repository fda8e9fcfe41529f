#!/usr/bin/env bash
# Ring-tone quality: bundler against SoX on bright material, both as µ-law ring tones, each
# compared with SoX's best conversion (`rate -v`, kept as float) by signal-to-noise ratio.
#
# Inputs (44.1 kHz stereo WAV, made with SoX): a sweep to 4 kHz, cymbal-like noise (high-passed
# decaying bursts), a square-wave chord (odd harmonics far above 4 kHz), plucked strings, and the
# repository's example ring tones (examples/*/audio). For each:
#   reference  sox IN -c 1 -t f32 REF rate -v 8000
#   bundler    target/release/bundler ringtone IN --slot 5 --fade-in-ms 0 -o OUT  (gsrt µ-law, decoded by sox)
#   sox        sox -D IN -r 8000 -c 1 -t ul OUT                    (the command users would script)
# and prints each one's SNR against the reference (higher is better; µ-law itself allows ~38 dB).
# The issue's bar: bundler within 0.5 dB of sox or better on every row.
#
# usage: bench/ringtone-quality.sh        (BENCH_BUNDLER=/path/to/bundler to measure another build)
# needs: sox, python3, cargo
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
command -v sox >/dev/null || { echo "sox is required (apt-get install sox)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is required" >&2; exit 1; }
source "$root/bench/lib.sh"  # sets $bundler
work=$(mktemp -d "${TMPDIR:-/tmp}/ringquality.XXXXXX")
trap 'rm -rf "$work"' EXIT

declare -A synths=(
  [sweep-to-4k]="4 sine 100-4000 sine 4000-100 vol 0.5"
  [cymbal-noise]="0.5 whitenoise vol 0.4 highpass 3000 fade 0 0.5 0.45 repeat 7"
  [square-chord]="4 square 1000 square 1250 vol 0.3"
  [pluck]="4 pluck 880 pluck 1320 vol 0.5"
)
inputs=()
for name in sweep-to-4k cymbal-noise square-chord pluck; do
  # shellcheck disable=SC2086 # the synth spec is a list of words
  sox -n -r 44100 -c 2 -b 16 "$work/$name.wav" synth ${synths[$name]}
  inputs+=("$work/$name.wav")
done
for f in examples/*/audio/*; do
  [[ -f $f ]] && inputs+=("$f")
done

printf '%-28s %12s %12s %10s\n' input 'bundler dB' 'sox dB' difference
for input in "${inputs[@]}"; do
  name=$(basename "$input")
  [[ $input == examples/* ]] && name=${input#examples/}
  sox -V1 "$input" -c 1 -t f32 "$work/ref.f32" rate -v 8000
  "$bundler" ringtone "$input" --slot 5 --fade-in-ms 0 --fade-ms 0 -o "$work/out.bin" >/dev/null
  sox -V1 -t gsrt "$work/out.bin" -t f32 "$work/ours.f32"
  sox -V1 -D "$input" -r 8000 -c 1 -t ul "$work/sox.ul" trim 0 16
  sox -V1 -t ul -r 8000 -c 1 "$work/sox.ul" -t f32 "$work/sox.f32"
  ours=$(python3 bench/snr.py "$work/ours.f32" "$work/ref.f32")
  theirs=$(python3 bench/snr.py "$work/sox.f32" "$work/ref.f32")
  printf '%-28s %12s %12s %+10.2f\n' "$name" "$ours" "$theirs" "$(awk -v a="$ours" -v b="$theirs" 'BEGIN {print a - b}')"
done
echo
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "versions: $("$bundler" --version), $(sox --version 2>&1 | sed 's/^sox: *//')"
