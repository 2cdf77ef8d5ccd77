# Helpers for the integration flows. Each flow sources this, gets its own key prefix, and
# runs the real binaries against the fixture's redis-server.
set -euo pipefail

: "${NURTURE_BIN:?}" "${NURTURE_SOURCE_DIR:?}" "${NURTURE_TEST_REDIS_PORT:?}"
PORT=$NURTURE_TEST_REDIS_PORT
URL="redis://127.0.0.1:$PORT"
PREFIX="t$$-$(basename "$0" .sh)"
TMP="${NURTURE_TEST_TMP:-/tmp}/$PREFIX"
RULES="$NURTURE_SOURCE_DIR/rules"
EVENTS="$NURTURE_SOURCE_DIR/examples/events.jsonl"
ENGINE_PID=
mkdir -p "$TMP"

fail() {
    echo "FAIL: $*" >&2
    [ -f "$TMP/engine.log" ] && { echo "--- engine log:" >&2; tail -30 "$TMP/engine.log" >&2; }
    exit 1
}

rcli() { redis-cli -p "$PORT" "$@"; }

cleanup() {
    if [ -n "$ENGINE_PID" ]; then kill -KILL "$ENGINE_PID" 2>/dev/null || true; fi
    rcli --scan --pattern "$PREFIX:*" | while read -r key; do rcli DEL "$key" >/dev/null; done
}
trap cleanup EXIT

# NURTURE_ENGINE_WRAPPER (e.g. "valgrind --error-exitcode=42") runs the engine under a tool.
start_engine() {
    ${NURTURE_ENGINE_WRAPPER:-} "$NURTURE_BIN" run --redis "$URL" --rules "${1:-$RULES}" --prefix "$PREFIX" \
        --consumer test --block-ms 200 >>"$TMP/engine.log" 2>&1 &
    ENGINE_PID=$!
}

# Sends SIGTERM and asserts the engine exits with status 0.
stop_engine() {
    kill -TERM "$ENGINE_PID"
    local status=0
    wait "$ENGINE_PID" || status=$?
    ENGINE_PID=
    [ "$status" -eq 0 ] || fail "engine exited with status $status after SIGTERM"
}

push() { "$NURTURE_BIN" push --redis "$URL" --prefix "$PREFIX" "$@"; }

# Waits until every entry of the events stream is delivered and acked (up to ~20 s).
wait_settled() {
    local info pending lag
    for _ in $(seq 1 200); do
        info=$(rcli XINFO GROUPS "$PREFIX:events" 2>/dev/null || true)
        pending=$(awk '/^pending$/{getline; print $1}' <<<"$info")
        lag=$(awk '/^lag$/{getline; print $1}' <<<"$info")
        if [ "$pending" = 0 ] && [ "$lag" = 0 ]; then
            sleep 0.3 # the scheduler releases right after a batch settles
            return 0
        fi
        sleep 0.1
    done
    fail "events not settled: pending=$pending lag=$lag"
}

# Prints the ids of released actions, one per line, sorted.
released_ids() {
    rcli XRANGE "$PREFIX:actions" - + | awk 'prev == "id" && $0 != "" {print} {prev = $0}' | sort
}

scheduled_ids() { rcli ZRANGE "$PREFIX:{0}:due" 0 -1 | grep -v '^$' | sort || true; }

# Prints the ids of the actions replay derives from FILE, sorted.
replay_ids() {
    "$NURTURE_BIN" replay --rules "${2:-$RULES}" --events "$1" 2>/dev/null |
        sed -E 's/^\{"id":"([^"]+)".*/\1/' | sort
}
