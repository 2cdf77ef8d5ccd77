#!/usr/bin/env bash
# The metrics endpoint: after the sample events (and one malformed entry) the counters on
# /metrics match what happened, promtool accepts the output, a malformed request gets 400
# and the server stays up, /healthz turns 503 while Redis is down and 200 once it is back,
# and every log line is one JSON object. Runs against a private redis-server, since it
# stops Redis on purpose.
set -euo pipefail
SOURCE_DIR=${NURTURE_SOURCE_DIR:?}
. "$SOURCE_DIR/scripts/lib/redis.sh"
redis_dir=$(mktemp -d)
redis_start "$redis_dir"
NURTURE_TEST_REDIS_PORT=$REDIS_PORT
. "$(dirname "$0")/lib.sh"
trap 'cleanup; redis_stop; rm -rf "$redis_dir"' EXIT

command -v promtool >/dev/null || fail "promtool missing (Debian package prometheus; scripts/setup.sh)"

# Starts the private Redis again on the same port after it was stopped.
redis_again() {
    redis-server --port "$PORT" --bind 127.0.0.1 --daemonize yes --dir "$redis_dir" \
        --pidfile "$redis_dir/redis.pid" --logfile "$redis_dir/redis.log" \
        --save '' --appendonly no >/dev/null
    for _ in $(seq 1 50); do
        rcli ping 2>/dev/null | grep -q PONG && break
        sleep 0.1
    done
    REDIS_PID=$(cat "$redis_dir/redis.pid")
}

scrape() { curl -sS --max-time 5 "http://$ADDRESS/metrics"; }
# Prints the value of the sample NAME (with its labels, exactly as written) from a scrape.
value() { scrape | awk -v name="$1" '$1 == name {print $2}'; }
# Waits until sample NAME has VALUE (up to ~10 s).
wait_value() {
    for _ in $(seq 1 100); do
        [ "$(value "$1")" = "$2" ] && return 0
        sleep 0.1
    done
    fail "$1 is $(value "$1"), expected $2"
}
health_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://$ADDRESS/healthz"; }
wait_health() {
    for _ in $(seq 1 150); do
        [ "$(health_code)" = "$1" ] && return 0
        sleep 0.1
    done
    fail "/healthz answered $(health_code), expected $1"
}

push "$EVENTS"
rcli XADD "$PREFIX:events" '*' event 'this is not json' >/dev/null
events=$(grep -c . "$EVENTS")
touch "$TMP/engine.log"

"$NURTURE_BIN" run --redis "$URL" --rules "$RULES" --prefix "$PREFIX" --consumer test \
    --block-ms 200 --metrics 127.0.0.1:0 >>"$TMP/engine.log" 2>&1 &
ENGINE_PID=$!
ADDRESS=
for _ in $(seq 1 50); do
    ADDRESS=$(sed -nE 's/.*metrics: listening on ([0-9.]+:[0-9]+).*/\1/p' "$TMP/engine.log")
    [ -n "$ADDRESS" ] && break
    sleep 0.1
done
[ -n "$ADDRESS" ] || fail "the engine did not say where the metrics listen"
wait_settled

# ---- the counters ---------------------------------------------------------------------------
released_ids >"$TMP/released"
scheduled_ids >"$TMP/scheduled"
actions=$(cat "$TMP/released" "$TMP/scheduled" | wc -l)
wait_value nurture_events_read_total $((events + 1))
wait_value nurture_events_dead_lettered_total 1
wait_value nurture_actions_scheduled_total "$actions"
wait_value nurture_actions_released_total "$(wc -l <"$TMP/released")"
wait_value nurture_consumer_lag_entries 0     # polled every 5 s
wait_value nurture_consumer_pending_entries 0
scrape >"$TMP/metrics.txt"
decided=$(value nurture_events_decided_total)
duplicates=$(value nurture_events_duplicate_total)
[ $((decided + duplicates)) = "$events" ] ||
    fail "decided $decided + duplicates $duplicates != $events sample events"
[ "$(value nurture_rule_errors_total)" = 0 ] || fail "rule errors on the sample events"
version=$("$NURTURE_BIN" check "$RULES" | sed -E 's/.*version ([0-9a-f]+).*/\1/')
grep -qx "nurture_playbook_info{version=\"$version\"} 1" "$TMP/metrics.txt" ||
    fail "no nurture_playbook_info for version $version"
grep -q '^nurture_actions_held_total{policy="[^"]*",channel="[^"]*"} [1-9]' "$TMP/metrics.txt" ||
    fail "no held-back action counted by policy and channel"
grep -q '^nurture_batch_duration_seconds_bucket{le="+Inf"} [1-9]' "$TMP/metrics.txt" ||
    fail "no batch latency observed"
grep -q '^nurture_batch_phase_duration_seconds_count{phase="commit"} [1-9]' "$TMP/metrics.txt" ||
    fail "no commit latency observed"
[ "$(value nurture_healthy)" = 1 ] || fail "nurture_healthy is not 1"

# The sample events come in one batch: every state is new, told by the filter of stored
# states, or fetched from Redis when the first read came before the filter was seeded. A
# later event of a contact finds its state, and its account's, in the cache.
state() { value "nurture_states_total{kind=\"$1\",source=\"$2\"}"; }
contacts=$(grep -o '"contact": *"[^"]*"' "$EVENTS" | sort -u | wc -l)
accounts=$(grep -o '"account": *"[^"]*"' "$EVENTS" | sort -u | wc -l)
started=$(($(state contact redis) + $(state contact new)))
[ "$started" = "$contacts" ] ||
    fail "$started contact states new or fetched, expected the $contacts contacts"
started=$(($(state account redis) + $(state account new)))
[ "$started" = "$accounts" ] ||
    fail "$started account states new or fetched, expected the $accounts accounts"
[ "$(state contact cache)" = 0 ] || fail "a contact state came from the cache in the first batch"
later='{"id": "ev-grace-later", "contact": "grace@lumen-bank.example", "account": "lumen-bank", "type": "page_view", "at": "2026-03-01T09:00:00Z", "props": {"url": "/pricing"}}'
printf '%s\n' "$later" >"$TMP/later.jsonl"
push "$TMP/later.jsonl" >/dev/null
wait_value 'nurture_states_total{kind="contact",source="cache"}' 1
[ "$(state account cache)" = 1 ] || fail "$(state account cache) account states from the cache, expected 1"
[ $(($(state contact redis) + $(state contact new))) = "$contacts" ] ||
    fail "the later event's contact was fetched again"
scrape >"$TMP/metrics.txt"
promtool check metrics <"$TMP/metrics.txt" >"$TMP/promtool.out" 2>&1 ||
    fail "promtool check metrics: $(cat "$TMP/promtool.out")"
echo "promtool check metrics: ok $(cat "$TMP/promtool.out")"

# ---- malformed requests -------------------------------------------------------------------
raw_request() {
    local host=${ADDRESS%:*} port=${ADDRESS##*:}
    exec 3<>"/dev/tcp/$host/$port"
    printf '%b' "$1" >&3
    timeout 5 cat <&3 || true
    exec 3<&-
}
raw_request 'NONSENSE\x01 / HTTP/1.1\r\n\r\n' | head -1 | grep -q '^HTTP/1.1 400 ' ||
    fail "a malformed request did not get 400"
raw_request 'GET /metrics HTTP/1.1\r\nContent-Length: x\r\n\r\n' | head -1 | grep -q '^HTTP/1.1 400 ' ||
    fail "a bad header did not get 400"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://$ADDRESS/metrics" \
     -H "X-Big: $(head -c 10000 /dev/zero | tr '\0' a)")" = 431 ] || fail "an oversized request did not get 431"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://$ADDRESS/elsewhere")" = 404 ] || fail "no 404"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://$ADDRESS/metrics")" = 405 ] || fail "no 405"
[ "$(health_code)" = 200 ] || fail "/healthz is not 200 after the malformed requests"
kill -0 "$ENGINE_PID" || fail "the engine died on a malformed request"

# ---- health while Redis is away ---------------------------------------------------------------
redis_stop
wait_health 503
curl -s "http://$ADDRESS/healthz" | grep -q 'connection down' || fail "503 without a reason"
[ "$(value nurture_healthy)" = 0 ] || fail "nurture_healthy is not 0 while Redis is down"
echo "healthz while Redis is down: 503 $(curl -s "http://$ADDRESS/healthz")"
redis_again
wait_health 200
echo "healthz once Redis is back: 200 $(curl -s "http://$ADDRESS/healthz")"
[ "$(value 'nurture_redis_reconnects_total{connection="writer"}')" -ge 1 ] ||
    fail "no reconnect counted"
stop_engine

# ---- logs: one JSON object a line ---------------------------------------------------------------
bad=$(grep -vcE '^\{"ts":"[0-9T:.Z-]+","level":"(debug|info|warn|error)","msg":".*"[,}]' "$TMP/engine.log" || true)
[ "$bad" = 0 ] || fail "$bad log lines are not JSON objects with ts, level and msg"
grep -q '"msg":"dead-lettering entry .*","entry":"[0-9]*-[0-9]*"}$' "$TMP/engine.log" ||
    fail "the dead-letter line lacks its entry field"
echo "ok: $events events and 1 malformed entry counted, promtool accepts /metrics, 400 on bad" \
     "requests, /healthz 503 while Redis was down and 200 after"
