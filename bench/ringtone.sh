#!/usr/bin/env bash
# Ring-tone benchmark: bundler against SoX, the tool users would otherwise use.
#
# Twenty different 3-minute 44.1 kHz stereo 16-bit WAVs are turned into 16 s
# 8 kHz µ-law ring tones by
#   bundler  target/release/bundler ringtone IN --slot 5 -o OUT   (gsrt, 16 s)
#   sox-gsrt sox IN -r 8000 -c 1 -t gsrt -e u-law OUT trim 0 16   (the command in the issue;
#            SoX's gsrt writer stops at 64 KiB = 8.2 s and warns "audio truncated")
#   sox-ul   sox IN -D -r 8000 -c 1 -t ul OUT trim 0 16           (all 16 s of µ-law,
#            undithered: the same work as bundler's)
# Runs alternate tool by tool and file by file, and the tool order rotates each
# round. Prints each input's median wall time per tool, the overall median per
# file, and the ratios. Then CPU time (user + system, the kernel's accounting,
# bench/rusage.py): for each input, the median of 3 runs of each tool, tools
# alternated; printed is the median over the inputs. Then, with strace, the time
# bundler's atomic write spends in fsync and rename. Then peak memory (maximum
# resident set size) of bundler and SoX on a 2-hour 44.1 kHz stereo WAV
# (1.27 GB, made in the temp folder and deleted afterwards).
#
# usage: bench/ringtone.sh [rounds]      (default 5 rounds; run from anywhere)
#        BENCH_BUNDLER=/path/to/bundler bench/ringtone.sh   (measure another build instead)
#        BENCH_BUNDLER_BEFORE=/path/to/older/bundler bench/ringtone.sh   (adds that build as a
#            fourth tool, "before", alternated with the others in the same run)
# needs: sox, GNU time (/usr/bin/time), python3, cargo; ~2 GB free in $TMPDIR (or /tmp);
#        strace (optional) for the time bundler waits in fsync and rename
set -euo pipefail

rounds=${1:-5}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [rounds]  (a positive whole number)" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
command -v sox >/dev/null || { echo "sox is required (apt-get install sox)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "GNU time is required (apt-get install time)" >&2; exit 1; }

source "$root/bench/lib.sh"  # sets $bundler
work=$(mktemp -d "${TMPDIR:-/tmp}/ringbench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Twenty inputs: tones, chords, sweeps, noises; left and right channels differ.
synths=(
  "sine 440 sine 660"
  "sine 1000 sine 1500"
  "square 220 square 330"
  "triangle 330 triangle 495"
  "sawtooth 110 sawtooth 165"
  "whitenoise whitenoise"
  "pinknoise pinknoise"
  "brownnoise brownnoise"
  "sine 100-3900 sine 3900-100"
  "sine 50-20000 sine 20000-50"
  "square 440 sine 5000"
  "sine 3300 sine 4100"
  "pluck 220 pluck 330"
  "trapezium 440 trapezium 550"
  "exp 300 exp 450"
  "sine 440 whitenoise"
  "sawtooth 55-880 triangle 880-55"
  "sine 697 sine 1209"
  "tpdfnoise tpdfnoise"
  "square 1000-2000 sawtooth 2000-1000"
)
echo "generating ${#synths[@]} inputs of 180 s, 44.1 kHz stereo 16-bit ..."
for i in "${!synths[@]}"; do
  # shellcheck disable=SC2086 # the synth spec is a list of words
  sox -n -r 44100 -c 2 -b 16 "$work/in$i.wav" synth 180 ${synths[$i]} vol 0.5
done

tools=(bundler sox-gsrt sox-ul)
before=${BENCH_BUNDLER_BEFORE:-}
[[ -z $before ]] || tools+=(before)
command_of() { # tool input output: prints the command, one word a line
  case $1 in
    bundler) printf '%s\n' "$bundler" ringtone "$2" --slot 5 -o "$3.bin" ;;
    before) printf '%s\n' "$before" ringtone "$2" --slot 5 -o "$3.before.bin" ;;
    sox-gsrt) printf '%s\n' sox -V1 "$2" -r 8000 -c 1 -t gsrt -e u-law "$3.gsrt" trim 0 16 ;;
    sox-ul) printf '%s\n' sox "$2" -D -r 8000 -c 1 -t ul "$3.ul" trim 0 16 ;;
  esac
}
run() { # tool input output
  case $1 in
    bundler) "$bundler" ringtone "$2" --slot 5 -o "$3.bin" >/dev/null ;;
    before) "$before" ringtone "$2" --slot 5 -o "$3.before.bin" >/dev/null ;;
    sox-gsrt) sox -V1 "$2" -r 8000 -c 1 -t gsrt -e u-law "$3.gsrt" trim 0 16 ;;
    sox-ul) sox "$2" -D -r 8000 -c 1 -t ul "$3.ul" trim 0 16 ;;
  esac
}
micros() { local t=${EPOCHREALTIME/./}; echo "$((10#$t))"; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

echo "timing: $rounds rounds x ${#synths[@]} files x ${#tools[@]} tools, alternated ..."
: >"$work/times"
for ((r = 0; r < rounds; r++)); do
  for i in "${!synths[@]}"; do
    for ((k = 0; k < ${#tools[@]}; k++)); do
      tool=${tools[$(((k + r + i) % ${#tools[@]}))]}
      t0=$(micros)
      run "$tool" "$work/in$i.wav" "$work/out-$tool-$i"
      t1=$(micros)
      echo "$tool $i $((t1 - t0))" >>"$work/times"
    done
  done
done

# Sanity: every tool wrote what it should (bundler: 16 s = 128 000 µ-law bytes + 512-byte header).
for i in "${!synths[@]}"; do
  [[ $(stat -c %s "$work/out-bundler-$i.bin") == 128512 ]] || { echo "bundler output $i has the wrong size" >&2; exit 1; }
  [[ $(stat -c %s "$work/out-sox-ul-$i.ul") == 128000 ]] || { echo "sox output $i has the wrong size" >&2; exit 1; }
done

ms() { awk -v us="$1" 'BEGIN {printf "%.1f", us / 1000}'; }
printf '\nmedian wall time per input file, ms (%d runs each)\n' "$rounds"
printf '%-40s' input; printf ' %9s' "${tools[@]}"; echo
for i in "${!synths[@]}"; do
  printf '%-40s' "${synths[$i]}"
  for tool in "${tools[@]}"; do
    printf ' %9s' "$(ms "$(awk -v t="$tool" -v i="$i" '$1 == t && $2 == i {print $3}' "$work/times" | median)")"
  done
  echo
done

declare -A overall
for tool in "${tools[@]}"; do
  overall[$tool]=$(awk -v t="$tool" '$1 == t {print $3}' "$work/times" | median)
done
printf '\nmedian per file over all %d runs of each tool:\n' "$((rounds * ${#synths[@]}))"
for tool in "${tools[@]}"; do
  printf '  %-9s %7s ms\n' "$tool" "$(ms "${overall[$tool]}")"
done
awk -v b="${overall[bundler]}" -v g="${overall[sox-gsrt]}" -v u="${overall[sox-ul]}" 'BEGIN {
  printf "ratio sox-ul / bundler:   %.2f  (above 1: bundler is faster; same 16 s of output)\n", u / b
  printf "ratio sox-gsrt / bundler: %.2f  (sox-gsrt stops after 8.2 s of output)\n", g / b
}'
[[ -z $before ]] || awk -v b="${overall[bundler]}" -v o="${overall[before]}" -v u="${overall[sox-ul]}" 'BEGIN {
  printf "ratio sox-ul / before:    %.2f;  before / bundler: %.2f\n", u / o, o / b
}'

# CPU time: per input, the median of 3 runs of each tool (tools alternated), then the median over inputs.
echo
echo "CPU time (user + system) per file, median over the inputs of each input's median of 3 runs ..."
: >"$work/cpu"
for i in "${!synths[@]}"; do
  for ((k = 0; k < ${#tools[@]}; k++)); do
    tool=${tools[$(((k + i) % ${#tools[@]}))]}
    mapfile -t cmd < <(command_of "$tool" "$work/in$i.wav" "$work/cpu-$tool-$i")
    read -r cpu _ _ < <(python3 bench/rusage.py 3 "${cmd[@]}")
    echo "$tool $cpu" >>"$work/cpu"
  done
done
declare -A cpu
for tool in "${tools[@]}"; do
  cpu[$tool]=$(awk -v t="$tool" '$1 == t {print $2}' "$work/cpu" | median)
  printf '  %-9s %7.2f ms CPU\n' "$tool" "${cpu[$tool]}"
done
awk -v b="${cpu[bundler]}" -v u="${cpu[sox-ul]}" 'BEGIN {printf "CPU ratio sox-ul / bundler: %.2f\n", u / b}'
[[ -z $before ]] || awk -v b="${cpu[bundler]}" -v o="${cpu[before]}" -v u="${cpu[sox-ul]}" 'BEGIN {
  printf "CPU ratio sox-ul / before:  %.2f;  before / bundler: %.2f\n", u / o, o / b
}'

# What the atomic write waits for: bundler's fsync and rename, each input once under strace -T
# (time inside the system call; optional: skipped without strace).
if command -v strace >/dev/null; then
  echo
  : >"$work/sync"
  for i in "${!synths[@]}"; do
    strace -f -T -e trace=fsync,fdatasync,rename,renameat,renameat2 -o "$work/strace" \
      "$bundler" ringtone "$work/in$i.wav" --slot 5 -o "$work/sync-$i.bin" >/dev/null
    awk -F'[<>]' '/^[0-9]+ +f(data)?sync\(/ {f += $(NF - 1)} /^[0-9]+ +rename/ {r += $(NF - 1)}
      END {printf "%.3f %.3f\n", f * 1000, r * 1000}' "$work/strace" >>"$work/sync"
  done
  printf 'bundler fsync: median %s ms, rename: median %s ms per file (strace -T, %d files)\n' \
    "$(cut -d' ' -f1 "$work/sync" | median)" "$(cut -d' ' -f2 "$work/sync" | median)" "${#synths[@]}"
fi

# Peak memory on a 2-hour input: only the first 16 s (plus filter look-ahead) may be read.
echo
echo "generating a 2-hour 44.1 kHz stereo 16-bit WAV ..."
sox -n -r 44100 -c 2 -b 16 "$work/big.wav" synth 7200 sine 440 sine 660 vol 0.5
rm -f "$work"/in*.wav
size=$(stat -c %s "$work/big.wav")
peak() { # label command...
  local label=$1
  shift
  /usr/bin/time -v -o "$work/rusage" "$@" >/dev/null
  local kb wall
  kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$work/rusage")
  wall=$(awk '/Elapsed \(wall clock\)/ {print $NF}' "$work/rusage")
  awk -v l="$label" -v kb="$kb" -v w="$wall" 'BEGIN {printf "  %-9s peak RSS %6.1f MB (%d KiB), wall %s\n", l, kb / 1024, kb, w}'
}
awk -v s="$size" 'BEGIN {printf "2-hour input: %.2f GB\n", s / 1e9}'
peak bundler "$bundler" ringtone "$work/big.wav" --slot 5 -o "$work/big.bin"
[[ -z $before ]] || peak before "$before" ringtone "$work/big.wav" --slot 5 -o "$work/big.before.bin"
peak sox-ul sox "$work/big.wav" -D -r 8000 -c 1 -t ul "$work/big.ul" trim 0 16
echo
echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "versions: $("$bundler" --version), $(sox --version 2>&1 | sed 's/^sox: *//')"
