#!/usr/bin/env bash
# bench/publish.sh: publishing the 100,000-phone release tree (the phones of bench/config.sh, with
# the htek-office example's ring tones, branding, language pack and firmware) to a real S3 server on
# loopback (SeaweedFS), side by side with what users would otherwise run: `aws s3 sync`.
#
# Measured, one run each (a publish changes what the next one finds):
#   bundler publish   first publish (every object PUT), then an unchanged re-publish (zero PUTs)
#   aws s3 sync       the same tree to another prefix, then an unchanged re-sync
# PUTs are counted from bundler's --json and checked against the bucket's listing.
#
# Usage: bench/publish.sh            (env: N phones, default 100000; BENCH_DIR; JOBS for bundler;
#                                     SYNC=0 leaves out aws s3 sync; BUNDLER=path skips the build)
set -euo pipefail

N=${N:-100000}
JOBS=${JOBS:-8}
SYNC=${SYNC:-1}
root=$(cd "$(dirname "$0")/.." && pwd)
for tool in weed aws awk python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench/publish.sh needs $tool" >&2; exit 1; }
done
if [ -z "${BUNDLER:-}" ]; then
  (cd "$root" && cargo build --release --quiet 2>/dev/null || cargo build --release)
fi
bundler=${BUNDLER:-$root/target/release/bundler}

work=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/bundler-bench-publish.XXXXXX")}
mkdir -p "$work"
weed_pid=
cleanup() {
  [ -n "$weed_pid" ] && kill "$weed_pid" 2>/dev/null && wait "$weed_pid" 2>/dev/null
  echo "cleaning up $work" >&2
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

# SeaweedFS on loopback, every port from the OS, a test identity plus anonymous read.
read -r -a P < <(python3 -c '
import socket
s = [socket.socket() for _ in range(8)]
for x in s: x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))')
cat > s3.json <<'JSON'
{"identities":[{"name":"bench","credentials":[{"accessKey":"AKIDBENCH","secretKey":"bench-secret"}],
 "actions":["Admin","Read","Write","List","Tagging"]},{"name":"anonymous","actions":["Read"]}]}
JSON
mkdir data
weed server -dir=data -ip=127.0.0.1 -ip.bind=127.0.0.1 -master.telemetry=false -s3 -s3.config=s3.json \
  -s3.port.iceberg=0 -s3.port.lance=0 -master.volumeSizeLimitMB=1024 -volume.max=40 \
  -master.port="${P[0]}" -master.port.grpc="${P[1]}" -volume.port="${P[2]}" -volume.port.grpc="${P[3]}" \
  -filer.port="${P[4]}" -filer.port.grpc="${P[5]}" -s3.port="${P[6]}" -s3.port.grpc="${P[7]}" \
  > weed.log 2>&1 < /dev/null &
weed_pid=$!
endpoint=http://127.0.0.1:${P[6]}
export AWS_ACCESS_KEY_ID=AKIDBENCH AWS_SECRET_ACCESS_KEY=bench-secret AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent
s3api() { aws --endpoint-url "$endpoint" --region us-east-1 "$@"; }
for _ in $(seq 120); do s3api s3api create-bucket --bucket phones >/dev/null 2>&1 && break; sleep 0.5; done

# The tree: the example release with N phones.
cp -r "$root/examples/htek-office" tree
awk -v n="$N" 'BEGIN {
  print "mac,model,account1.sip_user_id,account1.auth_id,account1.password,account1.display_name"
  split("UC924 UC926 UC923", m, " ")
  for (i = 0; i < n; i++)
    printf "00:1F:C1:%02X:%02X:%02X,%s,%d,%d,secret%06d,Ext %d\n",
      int(i / 65536) % 256, int(i / 256) % 256, i % 256, m[i % 3 + 1], 1000 + i, 1000 + i, i, i
}' > tree/phones.csv
(cd tree && "$bundler" -q release release.toml --out build --base-url "$endpoint/phones/htek/")
files=$(find tree/build -type f | wc -l)
mb=$(du -sm tree/build | cut -f1)

timed() { # LABEL CMD…: runs CMD, appends "LABEL seconds" to times
  local label=$1; shift
  /usr/bin/time -f "%e" -o t.one "$@" > "out-$label" 2>"err-$label" || { cat "err-$label" >&2; exit 1; }
  echo "$label $(cat t.one)" >> times
}
: > times
timed first "$bundler" publish tree/build s3://phones/htek --endpoint "$endpoint" --jobs "$JOBS" --json
timed again "$bundler" publish tree/build s3://phones/htek --endpoint "$endpoint" --jobs "$JOBS" --json
[ "$SYNC" = 1 ] && timed sync1 aws --endpoint-url "$endpoint" --region us-east-1 s3 sync --only-show-errors tree/build s3://phones/sync
[ "$SYNC" = 1 ] && timed sync2 aws --endpoint-url "$endpoint" --region us-east-1 s3 sync --only-show-errors tree/build s3://phones/sync

puts() { python3 -c 'import json,sys; o=json.load(open(sys.argv[1]))["outcome"]; print(len(o["uploaded"]), o["record_writes"], o["unchanged"])' "$1"; }
read -r up1 rec1 _ < <(puts out-first)
read -r up2 rec2 same2 < <(puts out-again)
listed=$(s3api s3 ls --recursive s3://phones/htek/ | wc -l)
[ "$listed" = "$((files + 1))" ] || { echo "the bucket lists $listed objects under htek/, expected $files + the record" >&2; exit 1; }
t() { awk -v k="$1" '$1 == k { print $2 }' times; }
echo "tree: $N phones, $files files, $mb MB; SeaweedFS on loopback; $(nproc) cores; bundler --jobs $JOBS"
printf "  bundler publish, first       %8.1f s   %6d PUTs (+%d record)\n" "$(t first)" "$up1" "$rec1"
printf "  bundler publish, unchanged   %8.1f s   %6d PUTs (+%d record), %d unchanged\n" "$(t again)" "$up2" "$rec2" "$same2"
[ "$SYNC" = 1 ] || exit 0
printf "  aws s3 sync, first           %8.1f s\n" "$(t sync1)"
printf "  aws s3 sync, unchanged       %8.1f s\n" "$(t sync2)"
awk -v a="$(t first)" -v b="$(t sync1)" -v c="$(t again)" -v d="$(t sync2)" 'BEGIN {
  printf "  first publish: bundler takes %.2fx the time of aws s3 sync; unchanged: %.2fx\n", a / b, c / d }'
