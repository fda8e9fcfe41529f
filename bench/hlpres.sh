#!/usr/bin/env bash
# Benchmark: `bundler hlpres` against the ImageMagick pipeline and against libvips, the two ways a
# user would script it, for UC923, UC924 and UC926 (3 wallpapers + 3 screensavers from 8–12 MP
# photos, weblogo, lcdlogo each). The libvips side is `vipsthumbnail --size WxH --smartcrop centre`
# at a fixed Q=85 (no byte cap, no logos: it does less work than the other two) plus tar.
#
#   bench/hlpres.sh            # 5 alternated rounds
#   ROUNDS=9 bench/hlpres.sh
#   BENCH_BUNDLER=/path/to/bundler bench/hlpres.sh    # measure another build
#   BENCH_BEFORE=/path/to/older/bundler bench/hlpres.sh   # and an older build as a fourth side
#
# One round = all three models with each of bundler, ImageMagick and libvips (the order rotates
# every round). Prints the median wall time and CPU time (user + system of every process of the
# side, from GNU time) of each side and the ratios, the peak memory of each
# side (GNU time's maximum resident set size), and the SSIM of every wallpaper and screensaver of
# each side against a careful reference downscale of its photo (full decode, linear light,
# Lanczos, lossless). ImageMagick 6 has no SSIM metric, so bench/ssim.py computes it (luma,
# 11×11 Gaussian window, σ = 1.5), two at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
MODELS=(UC923 UC924 UC926)
for tool in convert identify vipsthumbnail tar python3 xargs /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench needs $tool" >&2; exit 1; }
done
root=$PWD
# shellcheck source=bench/lib.sh
source bench/lib.sh
BUNDLER=$bundler
BEFORE=${BENCH_BEFORE:-}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
IN=$WORK/in
mkdir -p "$IN"

echo "making 6 photo-like inputs (8 and 12 MP) and a transparent logo in $IN …"
for i in 1 2 3 4 5 6; do
  if (( i % 2 )); then size=4000x3000; else size=3264x2448; fi
  convert -seed "$i" -size 1600x1200 plasma:fractal -resize "$size!" \
    -fill "rgb(240,240,230)" -draw "circle 1500,1200 1500,600" \
    -fill "rgb(20,30,60)" -draw "rectangle 300,300 1100,2000" \
    -attenuate 0.3 +noise Gaussian -quality 92 "$IN/photo$i.jpg"
done
convert -size 600x200 xc:none -fill "rgb(220,20,30)" -draw "circle 300,100 300,30" \
  -fill "rgb(20,60,200)" -draw "rectangle 20,60 160,140" "$IN/logo.png"
ls -l "$IN" | awk 'NR>1 {print "  " $5 "  " $9}'

# The model's sizes, from bundler's own layout data.
dims() { # model kind -> "W H"
  "$BUNDLER" models "$1" --json |
    python3 -c "import json,sys; r=[a for a in json.load(sys.stdin)['asset_rules'] if a['kind']=='$2'][0]; print(r['width'], r['height'])"
}
declare -A WP LCD
for m in "${MODELS[@]}"; do WP[$m]=$(dims "$m" wallpaper); LCD[$m]=$(dims "$m" lcdlogo); done

run_bundler() { # out-dir [binary]
  for m in "${MODELS[@]}"; do
    "${2:-$BUNDLER}" hlpres --model "$m" \
      --wallpaper "$IN/photo1.jpg" --wallpaper "$IN/photo2.jpg" --wallpaper "$IN/photo3.jpg" \
      --screensaver "$IN/photo4.jpg" --screensaver "$IN/photo5.jpg" --screensaver "$IN/photo6.jpg" \
      --weblogo "$IN/logo.png" --lcdlogo "$IN/logo.png" -o "$1/$m.tar" >/dev/null
  done
}

run_imagemagick() { # out-dir
  for m in "${MODELS[@]}"; do
    local d="$1/$m/hlpres" w h lw lh
    mkdir -p "$d"
    read -r w h <<<"${WP[$m]}"
    read -r lw lh <<<"${LCD[$m]}"
    local i=1
    for n in 4 5 6; do
      convert "$IN/photo$i.jpg" -auto-orient -strip -resize "${w}x${h}^" -gravity center -extent "${w}x${h}" \
        -define jpeg:extent=100000 "$d/wallpaper$n.jpg"
      i=$((i + 1))
    done
    for n in 1 2 3; do
      convert "$IN/photo$i.jpg" -auto-orient -strip -resize "${w}x${h}^" -gravity center -extent "${w}x${h}" \
        -define jpeg:extent=100000 "$d/screensaver$n.jpg"
      i=$((i + 1))
    done
    convert "$IN/logo.png" -background white -flatten -strip -resize "225x93^" -gravity center -extent 225x93 "$d/weblogo.jpg"
    convert "$IN/logo.png" -strip -background none -resize "${lw}x${lh}^" -gravity center -extent "${lw}x${lh}" "$d/lcdlogo_color.png"
    tar --format=ustar -C "$1/$m" -cf "$1/$m.tar" hlpres
  done
}
run_vips() { # out-dir
  for m in "${MODELS[@]}"; do
    local d="$1/$m/hlpres" w h i=1 n
    mkdir -p "$d"
    read -r w h <<<"${WP[$m]}"
    for n in wallpaper4 wallpaper5 wallpaper6 screensaver1 screensaver2 screensaver3; do
      vipsthumbnail "$IN/photo$i.jpg" --size "${w}x${h}" --smartcrop centre -o "$d/$n.jpg[Q=85,strip]"
      i=$((i + 1))
    done
    tar --format=ustar -C "$1/$m" -cf "$1/$m.tar" hlpres
  done
}
# The functions and their data, for running them under GNU time in a fresh shell.
{ declare -p BUNDLER BEFORE IN MODELS WP LCD; declare -f run_bundler run_imagemagick run_vips; } >"$WORK/funcs.sh"

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

SIDES=(bundler im vips)
[ -n "$BEFORE" ] && SIDES+=(before)
for side in "${SIDES[@]}"; do : >"$WORK/t_$side"; : >"$WORK/c_$side"; done
echo "timing $ROUNDS rotated rounds (3 models each, ${#SIDES[@]} sides) …"
for r in $(seq 1 "$ROUNDS"); do
  for k in $(seq 0 $((${#SIDES[@]} - 1))); do
    side=${SIDES[$(((r + k) % ${#SIDES[@]}))]}
    out="$WORK/out_${side}_$r"; mkdir -p "$out"
    case $side in
      bundler) call="run_bundler $out" ;; im) call="run_imagemagick $out" ;; vips) call="run_vips $out" ;;
      before) call="run_bundler $out $BEFORE" ;;
    esac
    # Wall time and the CPU time of the side's processes (GNU time counts waited-for children).
    /usr/bin/time -f "%e %U %S" -o "$WORK/tt" bash -c "source $WORK/funcs.sh; $call"
    awk '{print $1}' "$WORK/tt" >>"$WORK/t_$side"
    awk '{print $2 + $3}' "$WORK/tt" >>"$WORK/c_$side"
    [ "$r" -lt "$ROUNDS" ] && rm -rf "$out"
  done
done
tb=$(median <"$WORK/t_bundler"); ti=$(median <"$WORK/t_im"); tv=$(median <"$WORK/t_vips")
cb=$(median <"$WORK/c_bundler"); ci=$(median <"$WORK/c_im"); cv=$(median <"$WORK/c_vips")

# Peak memory: GNU time's maximum resident set size of the largest process of one full run.
peak() { /usr/bin/time -v bash -c "source $WORK/funcs.sh; $1" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ {print $2}'; }
mb=$(peak "run_bundler $WORK/mem_b")
mi=$(peak "run_imagemagick $WORK/mem_i")
mv=$(peak "run_vips $WORK/mem_v")

# Quality: SSIM of every wallpaper and screensaver of each side against a careful reference
# downscale of its photo (ImageMagick's Lanczos in linear light, from the full decode).
NAMES=(wallpaper4 wallpaper5 wallpaper6 screensaver1 screensaver2 screensaver3)
gray() { convert "$1" -colorspace Gray -depth 8 "pgm:$2"; }
echo "SSIM of 18 images × 3 sides (pure Python, two at a time) …"
: >"$WORK/pairs"
for m in "${MODELS[@]}"; do
  read -r w h <<<"${WP[$m]}"
  mkdir -p "$WORK/xb_$m" "$WORK/g"; tar -xf "$WORK/out_bundler_$ROUNDS/$m.tar" -C "$WORK/xb_$m"
  for i in 1 2 3 4 5 6; do
    n=${NAMES[$((i - 1))]}
    convert "$IN/photo$i.jpg" -auto-orient -colorspace RGB -filter Lanczos -resize "${w}x${h}^" -colorspace sRGB \
      -gravity center -extent "${w}x${h}" -colorspace Gray -depth 8 "pgm:$WORK/g/ref_${m}_$n.pgm"
    gray "$WORK/xb_$m/hlpres/$n.jpg" "$WORK/g/bundler_${m}_$n.pgm"
    gray "$WORK/out_im_$ROUNDS/$m/hlpres/$n.jpg" "$WORK/g/im_${m}_$n.pgm"
    gray "$WORK/out_vips_$ROUNDS/$m/hlpres/$n.jpg" "$WORK/g/vips_${m}_$n.pgm"
    for side in bundler im vips; do echo "$side ${m} $n" >>"$WORK/pairs"; done
  done
done
# shellcheck disable=SC2016
xargs -P 2 -L 1 sh -c 'echo "$0 $1 $2 $(python3 bench/ssim.py '"$WORK"'/g/$0_$1_$2.pgm '"$WORK"'/g/ref_$1_$2.pgm)"' \
  <"$WORK/pairs" >"$WORK/ssim"
ssim() { awk -v s="$1" -v m="$2" -v n="$3" '$1 == s && $2 == m && $3 == n {print $4}' "$WORK/ssim"; }
echo
printf "%-7s %-9s %-12s %9s %9s %9s %8s %8s %8s %s\n" model size image "bundler B" "IM B" "vips B" \
  "SSIM b" "SSIM IM" "SSIM v" ""
worse=0
for m in "${MODELS[@]}"; do
  read -r w h <<<"${WP[$m]}"
  for n in "${NAMES[@]}"; do
    sb=$(ssim bundler "$m" "$n"); si=$(ssim im "$m" "$n"); sv=$(ssim vips "$m" "$n")
    flag=$(awk -v b="$sb" -v i="$si" -v v="$sv" 'BEGIN {print (b < i || b < v) ? "<- below a peer" : ""}')
    [ -n "$flag" ] && worse=$((worse + 1))
    printf "%-7s %-9s %-12s %9s %9s %9s %8s %8s %8s %s\n" "$m" "${w}x${h}" "$n" \
      "$(stat -c %s "$WORK/xb_$m/hlpres/$n.jpg")" "$(stat -c %s "$WORK/out_im_$ROUNDS/$m/hlpres/$n.jpg")" \
      "$(stat -c %s "$WORK/out_vips_$ROUNDS/$m/hlpres/$n.jpg")" "$sb" "$si" "$sv" "$flag"
  done
done
echo "images where bundler's SSIM is below a peer's: $worse of 18"
for m in "${MODELS[@]}"; do
  printf "%s tar: bundler %s bytes, ImageMagick %s bytes, libvips %s bytes (no logos)\n" "$m" \
    "$(stat -c %s "$WORK/out_bundler_$ROUNDS/$m.tar")" "$(stat -c %s "$WORK/out_im_$ROUNDS/$m.tar")" \
    "$(stat -c %s "$WORK/out_vips_$ROUNDS/$m.tar")"
done
echo
for side in "${SIDES[@]}"; do
  echo "wall (s), $side: $(tr '\n' ' ' <"$WORK/t_$side")  CPU (s): $(tr '\n' ' ' <"$WORK/c_$side")"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", a / b}'; }
printf "median wall: bundler %.2f s, ImageMagick %.2f s (%sx), libvips %.2f s (%sx)\n" \
  "$tb" "$ti" "$(ratio "$ti" "$tb")" "$tv" "$(ratio "$tv" "$tb")"
printf "median CPU:  bundler %.2f s, ImageMagick %.2f s (%sx), libvips %.2f s (%sx)\n" \
  "$cb" "$ci" "$(ratio "$ci" "$cb")" "$cv" "$(ratio "$cv" "$cb")"
if [ -n "$BEFORE" ]; then
  printf "before (%s): median wall %.2f s, CPU %.2f s\n" "$BEFORE" "$(median <"$WORK/t_before")" \
    "$(median <"$WORK/c_before")"
fi
printf "peak memory: bundler %d MB, ImageMagick %d MB, libvips %d MB\n" $((mb / 1024)) $((mi / 1024)) $((mv / 1024))
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "machine: $(nproc) cores, $(convert -version | head -1 | cut -d' ' -f2-3), $(vipsthumbnail --vips-version)"
