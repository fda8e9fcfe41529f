#!/usr/bin/env bash
# Renders a 16 s µ-law gsrt ring tone from a long 44.1 kHz stereo WAV with
# ringtool (the `render` example) and with SoX, the tool users would otherwise
# use, alternating runs; prints each tool's median wall time and the ratio.
#
# usage: bench/render_vs_sox.sh [runs] [input-seconds]
set -euo pipefail
runs=${1:-11}
input_seconds=${2:-600}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

command -v sox >/dev/null || { echo "sox is required (apt-get install sox)" >&2; exit 1; }
cargo build --quiet --release --example render --manifest-path "$here/Cargo.toml"
bin="$here/target/release/examples/render"
input="$work/in.wav"
sox -n -r 44100 -c 2 -b 16 "$input" synth "$input_seconds" sine 440 vol 0.5

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
: >"$work/ours"; : >"$work/sox"
for ((i = 0; i < runs; i++)); do
  t0=$(now); "$bin" "$input" "$work/ours.bin" 16 gsrt ulaw >/dev/null; t1=$(now)
  echo $(((t1 - t0) / 1000)) >>"$work/ours"
  # sox caps gsrt output at 64 KiB (8 s), so it writes a µ-law WAV, the same work.
  t0=$(now); sox -D "$input" -r 8000 -c 1 -e u-law "$work/sox.wav" trim 0 16; t1=$(now)
  echo $(((t1 - t0) / 1000)) >>"$work/sox"
done
ours=$(median <"$work/ours"); theirs=$(median <"$work/sox")
echo "input: ${input_seconds} s 44.1 kHz stereo WAV, output: 16 s gsrt u-law, ${runs} alternated runs"
echo "ringtool median: $((ours / 1000)) ms"
echo "sox      median: $((theirs / 1000)) ms"
awk -v a="$ours" -v b="$theirs" 'BEGIN {printf "ratio sox/ringtool: %.2f\n", b / a}'
