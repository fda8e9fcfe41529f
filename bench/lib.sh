# Shared by the bench scripts (sourced, with $root set to the repository): the bundler binary to
# measure, in $bundler: $BENCH_BUNDLER (another build, e.g. an older commit's) or a release build of
# this tree, built now.
if [[ -n ${BENCH_BUNDLER:-} ]]; then
  bundler=$BENCH_BUNDLER
else
  if ! build_log=$(cargo build --release --bin bundler 2>&1); then
    echo "$build_log" >&2
    exit 1
  fi
  bundler="$root/target/release/bundler"
fi
