#!/usr/bin/env bash
# Runs every fuzz target (or those named) for SECONDS each (default 600) with
# cargo fuzz on nightly: release build with debug assertions and overflow
# checks, AddressSanitizer, and libFuzzer's 1 GiB limits on resident memory
# and on any single allocation. New inputs go to fuzz/corpus-run/<target>
# (not committed); the committed seeds and regression cases in
# fuzz/corpus/<target> are read as a second corpus. Prints libFuzzer's last
# status line per target; findings land in fuzz/artifacts/<target>/.
#
#   cargo +nightly install cargo-fuzz --locked   # once
#   SECONDS_PER_TARGET=600 scripts/fuzz.sh [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${SECONDS_PER_TARGET:-600}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi
mkdir -p logs
for t in "${targets[@]}"; do
    mkdir -p "corpus-run/$t"
    log="logs/$t.log"
    status=0
    cargo +nightly fuzz run -O -a "$t" "corpus-run/$t" "corpus/$t" -- \
        -max_total_time="$seconds" -rss_limit_mb=1024 -malloc_limit_mb=1024 \
        -timeout=10 -print_final_stats=1 >"$log" 2>&1 || status=$?
    runs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
    echo "$t: exit $status, ${runs:-?} executions in ${seconds} s ($(grep -cE 'ERROR: libFuzzer|panicked at' "$log" || true) findings), corpus $(ls "corpus-run/$t" | wc -l) inputs"
done
