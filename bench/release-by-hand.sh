#!/usr/bin/env bash
# The shell script a user would write instead of `bundler release`: the same server tree
# (ring/ring5.bin, ring/ring6.bin, MODEL/hlpres.tar, Language.tar, firmware/hl_fw92x.rom_VERSION,
# SHA256SUMS) made with sox, ImageMagick, tar, unzip and sha256sum. bench/release.sh times it
# against bundler.
#
#   bench/release-by-hand.sh SRC OUT
#
# SRC is the project bench/release.sh generates (audio/, img/, Language/, vendor/) plus
# SRC/models.txt, one line per model: "MODEL WALLPAPER SCREENSAVER LCDLOGO" with sizes as WxH
# (what a user copies from the vendor guide; the bench writes it from `bundler models --json`).
# CONVERT names ImageMagick's convert (default: convert).
#
# It checks nothing: no durations, sample rates, image sizes against the caps, tar sizes, language
# completeness or placeholders, zip entry paths, firmware names or versions. It is the speed floor
# of the unchecked manual process, not an equivalent of bundler's checks.
set -euo pipefail
SRC=$(realpath "$1")
OUT=$2
CONVERT=${CONVERT:-convert}
PREFIX=hl_
VERSION=2.0.4.6.41
mkdir -p "$OUT"
cd "$OUT"

# Ring tones: 8 kHz mono u-law in the gsrt container, at most 16 s.
mkdir -p ring
sox "$SRC/audio/jingle.wav" -r 8000 -c 1 -t gsrt -e u-law ring/ring5.bin trim 0 16
sox "$SRC/audio/bell.wav" -r 8000 -c 1 -t gsrt -e u-law ring/ring6.bin trim 0 16

# Branding: every image at each model's size, JPEGs squeezed under 100 KB, one tar per model.
fit() { # in out WxH
  "$CONVERT" "$1" -auto-orient -strip -resize "$3^" -gravity center -extent "$3" -define jpeg:extent=100000 "$2"
}
while read -r model wallpaper screensaver lcdlogo; do
  mkdir -p "$model/hlpres"
  fit "$SRC/img/photo1.jpg" "$model/hlpres/wallpaper4.jpg" "$wallpaper"
  fit "$SRC/img/photo2.jpg" "$model/hlpres/wallpaper5.jpg" "$wallpaper"
  fit "$SRC/img/photo3.jpg" "$model/hlpres/wallpaper6.jpg" "$wallpaper"
  fit "$SRC/img/photo4.jpg" "$model/hlpres/screensaver1.jpg" "$screensaver"
  fit "$SRC/img/photo5.jpg" "$model/hlpres/screensaver2.jpg" "$screensaver"
  fit "$SRC/img/photo6.jpg" "$model/hlpres/screensaver3.jpg" "$screensaver"
  fit "$SRC/img/weblogo.png" "$model/hlpres/weblogo.jpg" 225x93
  fit "$SRC/img/lcdlogo.png" "$model/hlpres/lcdlogo_color.png" "$lcdlogo"
  (cd "$model" && tar -cf hlpres.tar hlpres && rm -r hlpres)
done <"$SRC/models.txt"

# Languages: the folder as it is.
tar -C "$SRC" -cf Language.tar Language

# Firmware: each model's rom out of the vendor zip, renamed with prefix and postfix.
mkdir -p firmware unzipped
unzip -q -j -o "$SRC/vendor/Firmware_Htek_${VERSION}_20191104.zip" '*.rom' -d unzipped
for rom in unzipped/*.rom; do
  cp "$rom" "firmware/${PREFIX}$(basename "$rom")_${VERSION}"
done
rm -r unzipped

find . -type f ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort | xargs sha256sum >SHA256SUMS
