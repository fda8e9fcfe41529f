#!/usr/bin/env bash
# bench/serve.sh: 1,000 phones fetching their configs and resources at once, from `bundler serve`
# and from nginx serving the same tree (with the block `bundler serve --print-nginx` prints), in one
# run, alternated, medians printed, ratio reported.
#
# Each phone (bench/serve_client.py, Python asyncio) opens one kept-alive connection from one of 250
# loopback addresses and fetches its own config, the model's common config, a ring tone (40 KB) and
# hlpres.tar (300 KB): four requests, as a Htek phone does at boot.
#   requests/s   all requests / wall time of the whole burst
#   peak memory  VmHWM of the server's processes (nginx: master + workers), in MB
# Both servers get the machine's cores (bundler: a tokio worker per core; nginx: worker_processes
# auto), and the same client; the client's own cost is in both numbers alike.
#
# Usage: bench/serve.sh        (env: N phones, default 1000; RUNS, default 3; BUNDLER=path to a
#                               built binary instead of building --release; BENCH_DIR)
set -euo pipefail

N=${N:-1000}
RUNS=${RUNS:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
for tool in nginx python3 curl awk; do
  command -v "$tool" >/dev/null || { echo "bench/serve.sh needs $tool" >&2; exit 1; }
done
if [ -z "${BUNDLER:-}" ]; then
  (cd "$root" && cargo build --release --quiet 2>/dev/null || cargo build --release)
  BUNDLER=$root/target/release/bundler
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

work=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/bundler-bench-serve.XXXXXX")}
mkdir -p "$work/tree/UC924" "$work/nginx"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
prefix=001fc1
for i in $(seq 0 $((N - 1))); do
  printf '<?xml version="1.0"?>\n<hl_provision version="1"><config version="1"><P3>Ext %d</P3></config></hl_provision>\n' "$i" \
    > "$work/tree/cfg${prefix}$(printf '%06x' "$i").xml"
done
head -c 996 /dev/urandom | base64 > "$work/tree/cfg0012.xml"
for r in 4 5 6 7 8; do head -c 40000 /dev/urandom > "$work/tree/ring$r.bin"; done
head -c 300000 /dev/urandom > "$work/tree/UC924/hlpres.tar"

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$1/cfg0012.xml" && return; sleep 0.1; done; echo "nothing on $1" >&2; exit 1; }
hwm_mb() { local t=0; for p in "$@"; do t=$((t + $(awk '/VmHWM/ {print $2}' "/proc/$p/status"))); done; echo $((t / 1024)); }

bport=$(port)
"$BUNDLER" serve "$work/tree" --http "127.0.0.1:$bport" >/dev/null &
pids+=($!); bpid=$!
nport=$(port)
block=$("$BUNDLER" serve "$work/tree" --print-nginx --http "$nport" | sed "s/listen $nport;/listen 127.0.0.1:$nport;/")
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes auto;
worker_rlimit_nofile 16384;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
user root;
events { worker_connections 8192; }
http {
 access_log off;
 client_body_temp_path $work/nginx; proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx;
 uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
$block
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!); npid=$!
wait_port "$bport"; wait_port "$nport"

run() { python3 "$root/bench/serve_client.py" "$1" "$N" "$prefix"; }
echo "$N phones x 4 requests, $RUNS runs each, alternated"
for r in $(seq "$RUNS"); do
  b=$(run "$bport"); n=$(run "$nport")
  echo "run $r  bundler $b"
  echo "run $r  nginx   $n"
  echo "$b" >> "$work/b.json"; echo "$n" >> "$work/n.json"
done
rps() { python3 -c 'import json,sys,statistics as s; r=[json.loads(l) for l in open(sys.argv[1])]; assert all(x["errors"]==0 for x in r), r; print(round(s.median(x["requests"]/x["seconds"] for x in r)))' "$1"; }
brps=$(rps "$work/b.json"); nrps=$(rps "$work/n.json")
bmem=$(hwm_mb "$bpid"); nmem=$(hwm_mb "$npid" $(pgrep -P "$npid"))
echo
printf '%-8s %10s %14s\n' server "requests/s" "peak memory"
printf '%-8s %10s %11s MB\n' bundler "$brps" "$bmem"
printf '%-8s %10s %11s MB\n' nginx "$nrps" "$nmem"
awk -v b="$brps" -v n="$nrps" 'BEGIN { printf "bundler/nginx requests/s ratio: %.2f\n", b / n }'
