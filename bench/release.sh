#!/usr/bin/env bash
# Benchmark: `bundler release` on a 3-model Htek project (UC923, UC924, UC926), cold and as an
# unchanged rebuild, against bench/release-by-hand.sh (the sox + ImageMagick + tar + unzip +
# sha256sum script a user would write; it checks nothing, so it is the speed floor of the
# unchecked manual process).
#
#   bench/release.sh            # 3 alternated rounds
#   ROUNDS=5 bench/release.sh
#   BENCH_BUNDLER=/path/to/bundler bench/release.sh        # measure another build
#   BENCH_BEFORE=/path/to/older/bundler bench/release.sh   # and an older build beside it
#
# The project, generated in a temporary folder (seeded, so the same every time): two ring tones
# from 3-minute 44.1 kHz stereo WAVs; 3 wallpapers + 3 screensavers from 8 and 12 MP photo-like
# JPEGs, a web logo and an LCD logo (PNG); 5 languages of 2,000 items each plus the English
# templates; a firmware zip with a 4 MB placeholder rom per model.
#
# One round = bundler cold (no previous tree), then 5 bundler rebuilds (same --out, nothing
# changed), and the hand script (into an empty folder); the order of the two sides flips every round.
# Prints the median wall and CPU time (user + system, GNU time) of each, the ratios, and peak
# memory (GNU time's maximum resident set size; for the hand script, its largest process).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
MODELS=(UC923 UC924 UC926)
for tool in sox convert tar unzip sha256sum python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench/release.sh needs $tool" >&2; exit 1; }
done
# ImageMagick itself, not a wrapper earlier on PATH (this machine has a python stand-in there).
CONVERT=$(command -v convert)
[ -x /usr/bin/convert ] && CONVERT=/usr/bin/convert
export CONVERT
root=$PWD
# shellcheck source=bench/lib.sh
source bench/lib.sh
BUNDLER=$bundler
BEFORE=${BENCH_BEFORE:-}
HAND=$PWD/bench/release-by-hand.sh
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
P=$WORK/project
mkdir -p "$P/audio" "$P/img" "$P/Language" "$P/vendor"

echo "generating the project in $P …"
# Ring tones: 3 minutes, 44.1 kHz, stereo, 16-bit.
sox -R -n -r 44100 -c 2 -b 16 "$P/audio/jingle.wav" synth 180 sine 300-900 sine 450 tremolo 3 40 vol 0.5
sox -R -n -r 44100 -c 2 -b 16 "$P/audio/bell.wav" synth 180 pluck C4 pluck E4 tremolo 1.5 60 vol 0.5
# Photos: plasma (seeded), blurred and enlarged, with sensor-like noise; 12 MP and 8 MP in turn.
for i in 1 2 3 4 5 6; do
  if ((i % 2)); then size=4000x3000; else size=3264x2448; fi
  convert -seed "$i" -size 1600x1200 plasma:fractal -blur 0x2 -resize "$size!" \
    -attenuate 0.3 +noise Gaussian -quality 92 "$P/img/photo$i.jpg"
done
convert -size 600x200 xc:none -fill "rgb(220,20,30)" -draw "circle 300,100 300,30" \
  -fill "rgb(20,60,200)" -draw "rectangle 20,60 160,140" "$P/img/weblogo.png"
convert -size 800x84 xc:none -fill "rgb(20,60,200)" -draw "rectangle 10,10 300,74" \
  -fill "rgb(220,20,30)" -draw "circle 700,42 700,12" "$P/img/lcdlogo.png"
# Languages and firmware.
python3 - "$P" <<'PY'
import os, random, sys, zipfile
p = sys.argv[1]
ITEMS = 2000
langs = [("1_Français(French)", "1_French", "Appel"), ("2_Deutsch(German)", "2_German", "Anruf"),
         ("3_Español(Spanish)", "3_Spanish", "Llamada"), ("4_Italiano(Italian)", "4_Italian", "Chiamata"),
         ("5_Русский(Russian)", "5_Russian", "Вызов")]
def text(word, k):
    return f"{word} {k} %d" if k % 3 == 0 else (f"{word} {k} %s" if k % 3 == 1 else f"{word} {k}")
def lcd(name, word):
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<Language name="{name}">']
    lines += [f'  <item id="Item_{k}">{text(word, k)}</item>' for k in range(ITEMS)]
    return "\n".join(lines + ["</Language>", ""])
def web(word):
    lines = ["var lang = {"] + [f'    "Item_{k}": "{text(word, k)}",' for k in range(ITEMS - 1)]
    lines += [f'    "Item_{ITEMS - 1}": "{text(word, ITEMS - 1)}"', "};", ""]
    return "\n".join(lines)
d = os.path.join(p, "Language")
open(os.path.join(d, "LCD_English_Template.xml"), "w", encoding="utf-8").write(lcd("English", "Call"))
open(os.path.join(d, "Web_English_Template.js"), "w", encoding="utf-8").write(web("Call"))
for xml, js, word in langs:
    open(os.path.join(d, xml + ".xml"), "w", encoding="utf-8").write(lcd(xml.split("_")[1].split("(")[0], word))
    open(os.path.join(d, js + ".js"), "w", encoding="utf-8").write(web(word))
rng = random.Random(5)
version = "2.0.4.6.41"
with zipfile.ZipFile(os.path.join(p, "vendor", f"Firmware_Htek_{version}_20191104.zip"), "w",
                     zipfile.ZIP_DEFLATED) as z:
    for m in ("923", "924", "926"):
        # A few MB each: half random (incompressible, like a real image), half zeros.
        z.writestr(zipfile.ZipInfo(f"Firmware_Htek_{version}/UC{m}/fw{m}.rom", (2019, 11, 4, 0, 0, 0)),
                   rng.randbytes(2 << 20) + bytes(2 << 20), zipfile.ZIP_DEFLATED)
    z.writestr(zipfile.ZipInfo(f"Firmware_Htek_{version}/ReleaseNotes.txt", (2019, 11, 4, 0, 0, 0)),
               "Placeholder firmware for bench/release.sh.\n")
PY
cat >"$P/release.toml" <<'TOML'
vendor = "htek"
models = ["UC923", "UC924", "UC926"]
base_url = "http://prov.example.com/htek"

[ringtones]
5 = "audio/jingle.wav"
6 = "audio/bell.wav"

[branding]
wallpapers = ["img/photo1.jpg", "img/photo2.jpg", "img/photo3.jpg"]
screensavers = ["img/photo4.jpg", "img/photo5.jpg", "img/photo6.jpg"]
weblogo = "img/weblogo.png"
lcdlogo = "img/lcdlogo.png"

[languages]
dir = "Language"
lcd_template = "Language/LCD_English_Template.xml"
web_template = "Language/Web_English_Template.js"

[firmware]
files = ["vendor/Firmware_Htek_2.0.4.6.41_20191104.zip"]
prefix = "hl_"
postfix = "_2.0.4.6.41"
TOML
# The hand script's sizes, from bundler's layout data (a user would copy them from the guide).
for m in "${MODELS[@]}"; do
  "$BUNDLER" models "$m" --json | python3 -c '
import json, sys
m = json.load(sys.stdin)
size = {a["kind"]: "%dx%d" % (a["width"], a["height"]) for a in m["asset_rules"]}
print(m["name"], size["wallpaper"], size["screensaver"], size["lcdlogo"])'
done >"$P/models.txt"
(cd "$P" && du -sh audio img Language vendor | awk '{printf "  %s %s", $2, $1} END {print ""}')

# Each run under GNU time: wall time from `date`, peak memory from time's report.
now() { date +%s.%N; }
run() { # name out-dir command...
  local name=$1 out=$2 t0 t1
  shift 2
  t0=$(now)
  /usr/bin/time -v -o "$WORK/time.txt" "$@" >"$WORK/$name.log" 2>&1 || { cat "$WORK/$name.log" >&2; exit 1; }
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}' >>"$WORK/t_$name"
  awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt" >>"$WORK/m_$name"
  awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$WORK/time.txt" >>"$WORK/c_$name"
}
bundler_side() { # [binary [suffix]]
  local b=${1:-$BUNDLER} x=${2:-}
  rm -rf "$P/build" "$P/.build.bundler-cache"
  (cd "$P" && run "cold$x" build "$b" release release.toml --out build)
  # The rebuild takes a tenth of a second, where a busy machine's noise shows most: time it 5 times.
  for _ in 1 2 3 4 5; do
    (cd "$P" && run "rebuild$x" build "$b" release release.toml --out build)
  done
}
hand_side() {
  rm -rf "$WORK/hand"
  run hand "$WORK/hand" "$HAND" "$P" "$WORK/hand"
}

echo "warm-up and sanity checks …"
bundler_side
hand_side
rm -f "$WORK"/t_* "$WORK"/m_* "$WORK"/c_*
tail -1 "$WORK/rebuild.log"
"$BUNDLER" verify "$P/build" >/dev/null || { echo "bundler verify failed on bundler's tree" >&2; exit 1; }
(cd "$WORK/hand" && sha256sum --quiet -c SHA256SUMS) || { echo "hand tree: SHA256SUMS does not match" >&2; exit 1; }
diff <(cd "$P/build" && find . -type f | grep -v -e manifest.json -e report.html | sort) \
  <(cd "$WORK/hand" && find . -type f | sort) >/dev/null ||
  { echo "the two trees differ in their file lists" >&2; exit 1; }
echo "both trees hold the same $(cd "$WORK/hand" && find . -type f | wc -l) files (bundler adds manifest.json and report.html)"
# What the unchecked script lets through: SoX's gsrt writer stops at 65,536 bytes (≈ 8.1 s) with
# only a warning, where the Htek cap is 16 s.
for f in ring/ring5.bin ring/ring6.bin; do
  printf "  %s: bundler %s bytes, hand script %s bytes\n" "$f" "$(stat -c %s "$P/build/$f")" "$(stat -c %s "$WORK/hand/$f")"
done
grep -h "WARN" "$WORK/hand.log" | sort | uniq -c | sed 's/^ */  hand script: /' || true

echo "timing $ROUNDS alternated rounds …"
for r in $(seq 1 "$ROUNDS"); do
  if ((r % 2)); then bundler_side; hand_side; else hand_side; bundler_side; fi
  [ -n "$BEFORE" ] && bundler_side "$BEFORE" _before
  printf "  round %d: cold %.2f s, rebuilds %s s, hand %.2f s\n" "$r" "$(tail -1 "$WORK/t_cold")" \
    "$(tail -5 "$WORK/t_rebuild" | xargs printf '%.3f ' | sed 's/ $//')" "$(tail -1 "$WORK/t_hand")"
done

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
peak() { sort -g "$1" | tail -1; }
tc=$(median <"$WORK/t_cold"); tr=$(median <"$WORK/t_rebuild"); th=$(median <"$WORK/t_hand")
cc=$(median <"$WORK/c_cold"); cr=$(median <"$WORK/c_rebuild"); ch=$(median <"$WORK/c_hand")
echo
printf "median of %d rounds: bundler cold %.2f s, bundler unchanged rebuild %.3f s, hand script %.2f s\n" \
  "$ROUNDS" "$tc" "$tr" "$th"
printf "ratios: hand / bundler cold %.2fx, bundler cold / rebuild %.1fx (goals: 10x and 40x)\n" \
  "$(awk -v a="$th" -v b="$tc" 'BEGIN {print a / b}')" "$(awk -v a="$tc" -v b="$tr" 'BEGIN {print a / b}')"
printf "median CPU: bundler cold %.2f s, hand script %.2f s; hand / cold %.2fx\n" \
  "$cc" "$ch" "$(awk -v a="$ch" -v b="$cc" 'BEGIN {print a / b}')"
# GNU time counts CPU in 10 ms steps, coarser than a rebuild: rusage.py reads it in µs. The tree
# and input cache are this build's first (the last round may have ended with the older build's).
bundler_side
read -r rc_ms rw_ms _ < <(cd "$P" && python3 "$root/bench/rusage.py" 11 "$BUNDLER" release release.toml --out build)
printf "unchanged rebuild, 11 more runs (bench/rusage.py): %.1f ms CPU, %.1f ms wall; cold / rebuild by CPU %.0fx\n" \
  "$rc_ms" "$rw_ms" "$(awk -v a="$cc" -v b="$rc_ms" 'BEGIN {print a * 1000 / b}')"
if [ -n "$BEFORE" ]; then
  printf "before (%s): cold %.2f s wall, %.2f s CPU; rebuild %.3f s wall, %.3f s CPU\n" "$BEFORE" \
    "$(median <"$WORK/t_cold_before")" "$(median <"$WORK/c_cold_before")" \
    "$(median <"$WORK/t_rebuild_before")" "$(median <"$WORK/c_rebuild_before")"
fi
printf "peak memory: bundler cold %d MB, rebuild %d MB, hand script (largest process) %d MB\n" \
  $(($(peak "$WORK/m_cold") / 1024)) $(($(peak "$WORK/m_rebuild") / 1024)) $(($(peak "$WORK/m_hand") / 1024))
echo "last rebuild: $(tail -1 "$WORK/rebuild.log")"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $("$CONVERT" -version | head -1 | cut -d' ' -f2-3), $(sox --version | sed 's/.*SoX //')"
