#!/usr/bin/env bash
# Benchmark: `bundler hlpres` against the ImageMagick pipeline a user would script, for UC923,
# UC924 and UC926 (3 wallpapers + 3 screensavers from 8–12 MP photos, weblogo, lcdlogo each).
#
#   bench/hlpres.sh            # 5 alternated rounds
#   ROUNDS=9 bench/hlpres.sh
#
# One round = all three models with bundler, then all three with ImageMagick (the order flips
# every round). Prints the median wall time of each side and the ratio, the peak memory of each
# side (GNU time's maximum resident set size), and the SSIM of each side's wallpaper4 against a
# careful reference downscale (full decode, linear light, Lanczos, lossless PNG). ImageMagick 6
# has no SSIM metric, so bench/ssim.py computes it (luma, 11×11 Gaussian window, σ = 1.5).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
MODELS=(UC923 UC924 UC926)
for tool in convert identify tar python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench needs $tool" >&2; exit 1; }
done
cargo build --release --quiet
BUNDLER=$PWD/target/release/bundler
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

run_bundler() { # out-dir
  for m in "${MODELS[@]}"; do
    "$BUNDLER" hlpres --model "$m" \
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
# The functions and their data, for running them under GNU time in a fresh shell.
{ declare -p BUNDLER IN MODELS WP LCD; declare -f run_bundler run_imagemagick; } >"$WORK/funcs.sh"

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

: >"$WORK/t_bundler"; : >"$WORK/t_im"
echo "timing $ROUNDS alternated rounds (3 models each) …"
for r in $(seq 1 "$ROUNDS"); do
  for side in $( ((r % 2)) && echo "bundler im" || echo "im bundler"); do
    out="$WORK/out_${side}_$r"; mkdir -p "$out"
    t0=$(now)
    if [ "$side" = bundler ]; then run_bundler "$out"; else run_imagemagick "$out"; fi
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}' >>"$WORK/t_$side"
    [ "$r" -lt "$ROUNDS" ] && rm -rf "$out"
  done
done
tb=$(median <"$WORK/t_bundler"); ti=$(median <"$WORK/t_im")

# Peak memory: GNU time's maximum resident set size of the largest process of one full run.
peak() { /usr/bin/time -v bash -c "source $WORK/funcs.sh; $1" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ {print $2}'; }
mb=$(peak "run_bundler $WORK/mem_b")
mi=$(peak "run_imagemagick $WORK/mem_i")

# Quality: SSIM of each side's wallpaper4 against a careful reference downscale of photo1.
ssim_of() { # image ref-pgm
  convert "$1" -colorspace Gray -depth 8 "pgm:$WORK/x.pgm"
  python3 bench/ssim.py "$WORK/x.pgm" "$2"
}
echo
printf "%-7s %-10s %10s %10s %12s %12s\n" model wallpaper "bundler B" "IM B" "SSIM bundler" "SSIM IM"
for m in "${MODELS[@]}"; do
  read -r w h <<<"${WP[$m]}"
  convert "$IN/photo1.jpg" -auto-orient -colorspace RGB -filter Lanczos -resize "${w}x${h}^" -colorspace sRGB \
    -gravity center -extent "${w}x${h}" -colorspace Gray -depth 8 "pgm:$WORK/ref.pgm"
  xb="$WORK/xb_$m"; xi="$WORK/out_im_$ROUNDS/$m/hlpres"
  mkdir -p "$xb"; tar -xf "$WORK/out_bundler_$ROUNDS/$m.tar" -C "$xb"
  sb=$(ssim_of "$xb/hlpres/wallpaper4.jpg" "$WORK/ref.pgm")
  si=$(ssim_of "$xi/wallpaper4.jpg" "$WORK/ref.pgm")
  printf "%-7s %-10s %10s %10s %12s %12s\n" "$m" "${w}x${h}" \
    "$(stat -c %s "$xb/hlpres/wallpaper4.jpg")" "$(stat -c %s "$xi/wallpaper4.jpg")" "$sb" "$si"
done
for m in "${MODELS[@]}"; do
  printf "%s tar: bundler %s bytes, ImageMagick %s bytes\n" "$m" \
    "$(stat -c %s "$WORK/out_bundler_$ROUNDS/$m.tar")" "$(stat -c %s "$WORK/out_im_$ROUNDS/$m.tar")"
done
echo
echo "times (s), bundler: $(tr '\n' ' ' <"$WORK/t_bundler")"
echo "times (s), ImageMagick: $(tr '\n' ' ' <"$WORK/t_im")"
printf "median: bundler %.2f s, ImageMagick %.2f s, ratio %.1fx\n" "$tb" "$ti" "$(awk -v a="$ti" -v b="$tb" 'BEGIN {print a / b}')"
printf "peak memory: bundler %d MB, ImageMagick %d MB\n" $((mb / 1024)) $((mi / 1024))
echo "machine: $(nproc) cores, $(convert -version | head -1 | cut -d' ' -f2-3)"
