#!/usr/bin/env bash
# Runs fuzz targets for SECONDS each and prints one line per target: seconds, executions, corpus
# files and bytes, crashes (files libFuzzer left in fuzz/artifacts/TARGET/).
#
# Usage: fuzz/run.sh SECONDS [TARGET...]     (all targets when none are named)
# Environment: JOBS (targets run at the same time, default 2), NICE (niceness, default 19).
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz --locked`).
# Each run keeps going after a crash, timeout or OOM (fork mode) so one bug does not end it.
set -euo pipefail
secs=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
export CARGO_TARGET_DIR=$here/target
jobs=${JOBS:-2}
nice=${NICE:-19}
flags=(-O -a) # release build with debug assertions (overflow checks), as the debug test suite has
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo +nightly fuzz list)
nice -n "$nice" cargo +nightly fuzz build "${flags[@]}"
mkdir -p logs

# The built binaries are run directly: `cargo fuzz run` rebuilds when sources changed meanwhile and,
# after a crash, re-runs it through `cargo run`, which can hold the build lock long after the run.
bin=target/$(rustc +nightly -vV | sed -n 's/^host: //p')/release
run_one() {
    local t=$1
    mkdir -p "corpus/$t" "artifacts/$t"
    nice -n "$nice" "$bin/$t" -artifact_prefix="artifacts/$t/" "corpus/$t" \
        -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -fork=1 \
        -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 -print_final_stats=1 \
        >"logs/$t.log" 2>&1 || true
}

summary() {
    local t=$1 execs files bytes crashes
    # Fork mode's last status line: "#EXECS: cov: … corp: … time: …"; otherwise the final stats.
    execs=$(grep -aoE '^#[0-9]+' "logs/$t.log" | tail -1 | tr -d '#')
    [ -n "$execs" ] || execs=$(grep -aoE 'stat::number_of_executed_units: [0-9]+' "logs/$t.log" | tail -1 | awk '{print $2}')
    files=$(find "corpus/$t" -type f | wc -l)
    bytes=$(find "corpus/$t" -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}')
    crashes=$(find "artifacts/$t" -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | wc -l)
    printf '%-16s %6s s %12s execs %6s files %10s bytes %3s crashes\n' "$t" "$secs" "${execs:-?}" "$files" "$bytes" "$crashes"
}

running=0
for t in "${targets[@]}"; do
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n || true
        running=$((running - 1))
    fi
done
wait
for t in "${targets[@]}"; do summary "$t"; done | tee "logs/summary-$(date +%s).txt"
