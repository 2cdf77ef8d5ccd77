#!/usr/bin/env bash
# Runs every test: unit tests (cmocka), playbook checks and integration tests against a real
# redis-server that ctest starts and stops itself — once in a -Werror build and once more
# under AddressSanitizer + UndefinedBehaviorSanitizer. The last line counts them all.
#   scripts/test.sh            both builds
#   scripts/test.sh --quick    the -Werror build only
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests || exit 1

passed=0
failed=0
run_suite() {
    local name=$1 dir=$2
    shift 2
    echo "== $name: building in $dir"
    if ! scripts/build.sh "$dir" "$@"; then
        echo "== $name: build failed"
        failed=$((failed + 1))
        return
    fi
    local log="$dir/ctest.log"
    (cd "$dir" && ctest --output-on-failure 2>&1) | tee "$log"
    local summary
    summary=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1)
    if [ -z "$summary" ]; then
        failed=$((failed + 1))
        return
    fi
    local total bad
    total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$summary")
    bad=$(sed -E 's/.* ([0-9]+) tests? failed.*/\1/' <<<"$summary")
    passed=$((passed + total - bad))
    failed=$((failed + bad))
}

run_suite "-Werror build" build
if [ "${1:-}" != "--quick" ]; then
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        run_suite "ASan+UBSan build" build-sanitize -DNURTURE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
fi
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
