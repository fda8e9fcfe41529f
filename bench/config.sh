#!/usr/bin/env bash
# bench/config.sh: 100,000 phones -> AES-encrypted Htek per-phone configs.
#
# Compares, runs alternated, medians printed:
#   bundler     `bundler config htek --aes-key` on N phones (default 100,000), in parallel, streaming;
#               its peak memory from /usr/bin/time -v
#   shell loop  what a user would otherwise write: per phone, render the XML with a here-document and
#               run `openssl enc -aes-128-cbc`; timed on LOOP_N phones (default 2,000), scaled to N
#   cp -r       copying bundler's finished tree: the I/O floor for writing that many files
# The loop renders byte-identical plaintext, and the script checks that its files decrypt to exactly
# what bundler's do, so both sides do the same work.
#
# Usage: bench/config.sh            (env: N, LOOP_N, RUNS, BENCH_DIR)
set -euo pipefail

N=${N:-100000}
LOOP_N=${LOOP_N:-2000}
RUNS=${RUNS:-3}
KEY=001FC1BC
IV=0B1E1D000F0B07091D1F04071F1E0407

root=$(cd "$(dirname "$0")/.." && pwd)
for tool in openssl /usr/bin/time awk; do
  command -v "$tool" >/dev/null || { echo "bench/config.sh needs $tool" >&2; exit 1; }
done
(cd "$root" && cargo build --release --quiet 2>/dev/null || cargo build --release)
bundler=$root/target/release/bundler

work=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/bundler-bench-config.XXXXXX")}
mkdir -p "$work"
trap 'echo "cleaning up $work" >&2; rm -rf "$work"' EXIT
cd "$work"

# phones.csv: MACs written the way inventories hold them (upper case, colons), four models.
awk -v n="$N" 'BEGIN {
  print "mac,model,account1.sip_server,P35,P34,P3,ring.tone"
  split("UC924 UC926 UC923 UC912", m, " ")
  for (i = 0; i < n; i++)
    printf "00:1F:C1:%02X:%02X:%02X,%s,pbx.example.com:5060,%d,secret%06d,Ext %d,%d\n",
      int(i / 65536) % 256, int(i / 256) % 256, i % 256, m[i % 4 + 1], 1000 + i, i, 1000 + i, 4 + i % 5
}' > phones.csv
head -n $((LOOP_N + 1)) phones.csv > phones-loop.csv

# The shell loop a user would write.
shell_loop() { # CSV OUTDIR
  mkdir -p "$2"
  tail -n +2 "$1" | while IFS=, read -r mac model sip user pass name ring; do
    m=${mac//[:-]/}
    m=${m,,}
    cat > "$2/.plain.xml" <<EOF
<?xml version="1.0" encoding="UTF-8" ?>
<hl_provision version="1">
<config version="1">
<P3 para="">$name</P3>
<P34 para="">$pass</P34>
<P35 para="">$user</P35>
<P47 para="Account1_Sipserver">$sip</P47>
<P8721 para="RingTone">$ring</P8721>
</config>
</hl_provision>
EOF
    openssl enc -aes-128-cbc -K "$KEY" -iv "$IV" -in "$2/.plain.xml" -out "$2/cfg$m.xml" 2>/dev/null
  done
  rm -f "$2/.plain.xml"
}

seconds() { # prints the wall time of "$@" in seconds
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

: > t-bundler; : > t-loop; : > t-cp; : > rss
for r in $(seq "$RUNS"); do
  echo "run $r/$RUNS (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  sync
  /usr/bin/time -v -o "time-$r" "$bundler" config htek --phones phones.csv --aes-key "$KEY" --out "b$r" >/dev/null
  awk -F': ' '/Elapsed/ { split($2, p, ":"); s = 0; for (i = 1; i <= length(p); i++) s = s * 60 + p[i]; print s }' "time-$r" >> t-bundler
  awk -F': ' '/Maximum resident/ { print $2 }' "time-$r" >> rss
  sync
  seconds shell_loop phones-loop.csv "l$r" >> t-loop
  sync
  seconds cp -r "b$r" "c$r" >> t-cp
  if [ "$r" = 1 ]; then
    # Same work on both sides: every loop file decrypts to what bundler wrote for that phone.
    [ "$(find b1 -name 'cfg????????????.xml' | wc -l)" = "$N" ] || { echo "bundler wrote the wrong number of files" >&2; exit 1; }
    for f in $(ls l1 | head -n 50); do
      cmp -s <(openssl enc -d -aes-128-cbc -K "$KEY" -iv "$IV" -in "l1/$f" 2>/dev/null) \
             <(openssl enc -d -aes-128-cbc -K "$KEY" -iv "$IV" -in "b1/$f" 2>/dev/null) \
        || { echo "loop and bundler differ for $f" >&2; exit 1; }
    done
  fi
  rm -rf "b$r" "c$r" "l$r"
done

b=$(median < t-bundler); l=$(median < t-loop); c=$(median < t-cp)
rss_mb=$(sort -n rss | tail -n 1 | awk '{ printf "%.1f", $1 / 1024 }')
awk -v b="$b" -v l="$l" -v c="$c" -v n="$N" -v ln="$LOOP_N" -v runs="$RUNS" -v rss="$rss_mb" -v cores="$(nproc)" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
  scaled = l / ln * n
  printf "config bench: %d phones, %d runs (medians), %d cores, load %s\n", n, runs, cores, load
  printf "  bundler config htek --aes-key   %9.2f s   %7.3f ms/phone   peak RSS %s MB\n", b, b / n * 1000, rss
  printf "  shell loop (render + openssl)   %9.2f s   %7.3f ms/phone   on %d phones -> %.0f s for %d\n", l, l / ln * 1000, ln, scaled, n
  printf "  cp -r of the tree (I/O floor)   %9.2f s   %7.3f ms/file\n", c, c / n * 1000
  printf "  bundler is %.0fx faster than the shell loop (goal >= 50x)\n", scaled / b
  printf "  bundler takes %.2fx the time of cp -r (goal <= 3x)\n", b / c
}'
