#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (address + undefined sanitizers) in
# build-fuzz/ and runs each for SECONDS (default 60), one after the other, on a copy of its
# seed corpus. Prints, per target, the runs executed and the crashes found. A crash input is
# copied to tests/fuzz/regressions/<target>/, where every ordinary build replays it (ctest
# fuzz_replay_<target>) — fix the bug, keep the file.
#   scripts/fuzz.sh [SECONDS] [TARGET...]      targets: event playbook state (default: all)
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(event playbook state)
dir=build-fuzz

command -v clang >/dev/null || { echo "fuzz: clang is needed (apt-get install clang)"; exit 1; }
CC=clang cmake -S . -B "$dir" -DNURTURE_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null ||
    exit 1
cmake --build "$dir" -j "$(nproc)" --target "${targets[@]/#/fuzz_}" >/dev/null || exit 1

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
for target in "${targets[@]}"; do
    work="$dir/corpus/$target" artifacts="$dir/artifacts/$target/" log="$dir/fuzz_$target.log"
    mkdir -p "$work" "$artifacts"
    rm -f "$artifacts"/*
    # New inputs go to the first folder (the work copy); the committed seeds stay as they are.
    "$dir/tests/fuzz/fuzz_$target" "$work" "tests/fuzz/corpus/$target" \
        -max_total_time="$seconds" -timeout=20 -max_len=4096 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$artifacts" >"$log" 2>&1
    runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -1)
    crashes=0
    for found in "$artifacts"*; do
        [ -e "$found" ] || continue
        crashes=$((crashes + 1))
        cp "$found" "tests/fuzz/regressions/$target/"
        echo "fuzz $target: $(basename "$found") -> tests/fuzz/regressions/$target/ (see $log)"
    done
    echo "fuzz $target: ${runs:-?} runs in ${seconds}s, $crashes crashes"
    [ "$crashes" -eq 0 ] && [ -n "$runs" ] || status=1
done
exit $status
