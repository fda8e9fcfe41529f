#!/usr/bin/env bash
# Benchmark: `bundler language check` and `pack` on 20 languages of 5,000 items each, next to
# `xmllint --noout` over the same XML files (parsing alone: the floor a checker cannot beat).
#
# Usage: bench/language.sh [RUNS]   (default 7 runs; each run times every command once, alternated)
# Prints the median wall time and median peak memory (max RSS, from /usr/bin/time -v) of each
# command and the ratio to xmllint. Needs: cargo, python3, xmllint (libxml2-utils), GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-7}
LANGS=20
ITEMS=5000

for tool in xmllint python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench/language.sh: $tool is required" >&2; exit 1; }
done

cargo build --release --quiet
BUNDLER=$PWD/target/release/bundler
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Two folders: xml/ holds the LCD template and 20 LCD translations (exactly the files xmllint reads);
# full/ adds the web template and 20 web translations.
python3 - "$WORK" "$LANGS" "$ITEMS" <<'PY'
import os, sys
work, langs, items = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
words = ["Anruf", "呼叫", "Appel", "Вызов", "Chiamata", "Połączenie", "Çağrı", "通話", "Llamada", "שיחה"]
def lcd(text):
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<Language>"]
    for g in range(items // 50):
        out.append(f'  <group name="Menu{g}">')
        for i in range(50):
            k = g * 50 + i
            out.append(f'    <item id="Key{k}">{text(k)}</item>')
        out.append("  </group>")
    out.append("</Language>\n")
    return "\n".join(out)
def web(text):
    out = ["var lang = {"]
    for k in range(items):
        out.append(f'  "Key{k}": "{text(k)}",')
    out.append("};\n")
    return "\n".join(out)
english = lambda k: f"Menu entry number {k} with %d calls"
for folder in ["xml", "full"]:
    d = os.path.join(work, folder, "Language")
    os.makedirs(d)
    open(os.path.join(d, "LCD_English_Template.xml"), "w").write(lcd(english))
    if folder == "full":
        open(os.path.join(d, "Web_English_Template.js"), "w").write(web(english))
    for n in range(1, langs + 1):
        w = words[n % len(words)]
        t = lambda k, w=w, n=n: f"{w} {k} ({n}) %d"
        open(os.path.join(d, f"{n}_Lang{n}(Language{n}).xml"), "w", encoding="utf-8").write(lcd(t))
        if folder == "full":
            open(os.path.join(d, f"{n}_Language{n}.js"), "w", encoding="utf-8").write(web(t))
PY

XML_FILES=("$WORK"/xml/Language/*.xml)
echo "data: $LANGS languages x $ITEMS items; xml/ $(du -sh "$WORK/xml" | cut -f1) in ${#XML_FILES[@]} files, full/ $(du -sh "$WORK/full" | cut -f1)"
"$BUNDLER" language check "$WORK/xml/Language" >/dev/null   # sanity: the data checks clean
"$BUNDLER" language check "$WORK/full/Language" >/dev/null

# bundler checks the files on every core; check-1core pins it to one core (taskset) for a
# like-for-like comparison with single-threaded xmllint.
names=(xmllint check-xml check-1core pack-xml check-full pack-full)
command -v taskset >/dev/null || names=(xmllint check-xml pack-xml check-full pack-full)
cmd() {
  case $1 in
    xmllint) xmllint --noout "${XML_FILES[@]}" ;;
    check-xml) "$BUNDLER" language check "$WORK/xml/Language" >/dev/null ;;
    check-1core) taskset -c 0 "$BUNDLER" language check "$WORK/xml/Language" >/dev/null ;;
    pack-xml) "$BUNDLER" language pack "$WORK/xml/Language" -o "$WORK/x.tar" >/dev/null ;;
    check-full) "$BUNDLER" language check "$WORK/full/Language" >/dev/null ;;
    pack-full) "$BUNDLER" language pack "$WORK/full/Language" -o "$WORK/f.tar" >/dev/null ;;
  esac
}
export -f cmd
export BUNDLER WORK

# One measurement: prints "seconds max_rss_kb".
measure() {
  local log="$WORK/time.log"
  /usr/bin/time -v -o "$log" bash -c "$(declare -p XML_FILES); $(declare -f cmd); cmd $1"
  awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; t = s }
              /Maximum resident set size/ { m = $2 } END { printf "%.4f %d\n", t, m }' "$log"
}

for name in "${names[@]}"; do : >"$WORK/$name.times"; done
for ((r = 1; r <= RUNS; r++)); do
  for name in "${names[@]}"; do   # alternated: every command once per run
    measure "$name" >>"$WORK/$name.times"
  done
done

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
base_t=$(cut -d' ' -f1 "$WORK/xmllint.times" | median)
base_m=$(cut -d' ' -f2 "$WORK/xmllint.times" | median)
printf '%-12s %12s %14s %10s %10s\n' command "median s" "median RSS KB" "time/x" "RSS/x"
for name in "${names[@]}"; do
  t=$(cut -d' ' -f1 "$WORK/$name.times" | median)
  m=$(cut -d' ' -f2 "$WORK/$name.times" | median)
  awk -v n="$name" -v t="$t" -v m="$m" -v bt="$base_t" -v bm="$base_m" \
    'BEGIN { printf "%-12s %12.3f %14d %10.2f %10.2f\n", n, t, m, (bt > 0 ? t / bt : 0), (bm > 0 ? m / bm : 0) }'
done
echo "(x = xmllint --noout over the same ${#XML_FILES[@]} XML files; *-full also read 21 web files; $RUNS runs, alternated;"
echo " $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
