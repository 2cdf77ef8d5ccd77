#!/usr/bin/env bash
# Breaks things on purpose and checks that nothing is lost or sent twice.
#
# Loads a backlog of synthetic touchpoints into a private redis-server with AOF on
# (appendfsync always), then runs the engine through it while SIGKILLing it at random moments
# and SIGKILLing and restarting Redis once mid-run, pushes more events while that happens, and
# finally lets a last engine settle everything. It then compares the ids of the actions
# released and scheduled with those `nurture replay` derives from the same events:
# lost and duplicated must both be 0, no contact's history and no account's rows may hold a
# touchpoint twice, and a contact that moves to another account within a batch leaves its
# touchpoints at both.
#   scripts/chaos.sh [--events N] [--kills K]      (default 20000 events, 5 kills)
#   scripts/chaos.sh --short                       (4000 events, 3 kills: the CI form)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/redis.sh

events=20000
kills=5
while [ $# -gt 0 ]; do
    case $1 in
    --events) events=$2; shift 2 ;;
    --kills) kills=$2; shift 2 ;;
    --short) events=4000; kills=3; shift ;;
    *) echo "usage: scripts/chaos.sh [--events N] [--kills K] [--short]" >&2; exit 2 ;;
    esac
done
bin=${NURTURE_BIN:-build/nurture}
[ -n "${NURTURE_BIN:-}" ] || { scripts/setup.sh; scripts/build.sh build; }

work=$(mktemp -d)
engine_pid=
cleanup() {
    [ -n "$engine_pid" ] && kill -KILL "$engine_pid" 2>/dev/null
    redis_stop
    [ -n "${CHAOS_KEEP:-}" ] && echo "chaos: kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT

# Starts redis-server on REDIS_PORT with its AOF in $work/redis (again after a crash).
redis_up() {
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --dir "$work/redis" \
        --pidfile "$work/redis/redis.pid" --logfile "$work/redis/redis.log" \
        --save '' --appendonly yes --appendfsync always >/dev/null
    for _ in $(seq 1 100); do
        redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break
        sleep 0.1
    done
    REDIS_PID=$(cat "$work/redis/redis.pid")
}

redis_start "$work/redis"
redis_stop
redis_up
url="redis://127.0.0.1:$REDIS_PORT"
rcli() { redis-cli -p "$REDIS_PORT" "$@"; }

first=$((events * 3 / 4))
awk -v events="$events" -v contacts=$((events / 10)) -f scripts/lib/backlog.awk >"$work/all.jsonl"
head -n "$first" "$work/all.jsonl" >"$work/first.jsonl"
tail -n +"$((first + 1))" "$work/all.jsonl" >"$work/second.jsonl"
"$bin" push --redis "$url" "$work/first.jsonl" 2>/dev/null

start_engine() {
    "$bin" run --redis "$url" --rules rules --consumer chaos --block-ms 200 \
        >>"$work/engine.log" 2>&1 &
    engine_pid=$!
}

settled() {
    local info
    info=$(rcli XINFO GROUPS nurture:events 2>/dev/null) || return 1
    [ "$(awk '/^pending$/{getline; print $1}' <<<"$info")" = 0 ] &&
        [ "$(awk '/^lag$/{getline; print $1}' <<<"$info")" = 0 ]
}

restarts=0
for round in $(seq 1 "$kills"); do
    start_engine
    sleep "0.$((1 + RANDOM % 4))"
    if [ "$round" = $(((kills + 1) / 2)) ]; then
        kill -KILL "$REDIS_PID"          # Redis crashes under the running engine...
        sleep 0.5
        redis_up                         # ...and comes back from its AOF
        restarts=$((restarts + 1))
        "$bin" push --redis "$url" "$work/second.jsonl" 2>/dev/null
        sleep "0.$((3 + RANDOM % 6))"
    fi
    kill -KILL "$engine_pid"
    wait "$engine_pid" 2>/dev/null || true
    engine_pid=
    echo "chaos: round $round: SIGKILL with $(rcli XINFO GROUPS nurture:events |
        awk '/^lag$/{getline; l=$1} /^pending$/{getline; p=$1} END{print l + 0 " unread, " p + 0 " pending"}')"
done

start_engine
for _ in $(seq 1 600); do settled && break; sleep 0.2; done
settled || { echo "chaos: the last engine did not settle the stream" >&2; exit 1; }
sleep 0.5
kill -TERM "$engine_pid"
wait "$engine_pid" || { echo "chaos: engine exited non-zero after SIGTERM" >&2; exit 1; }
engine_pid=

{ rcli XRANGE nurture:actions - + | awk 'prev == "id" && $0 != "" {print} {prev = $0}'
  rcli ZRANGE 'nurture:{0}:due' 0 -1 | grep -v '^$' || true; } | sort >"$work/live"
"$bin" replay --rules rules --events "$work/all.jsonl" 2>/dev/null |
    sed -E 's/^\{"id":"([^"]+)".*/\1/' | sort >"$work/expected"

expected=$(wc -l <"$work/expected")
lost=$(comm -23 "$work/expected" <(sort -u "$work/live") | wc -l)
duplicated=$(($(wc -l <"$work/live") - $(sort -u "$work/live" | wc -l)))
unexpected=$(comm -13 "$work/expected" <(sort -u "$work/live") | wc -l)
dead=$(rcli XLEN nurture:dead)
# Touchpoints recorded twice: an event id found twice in one contact's history rows or one
# account's touchpoint rows.
twice=$({ rcli --scan --pattern 'nurture:{0}:history:*'
          rcli --scan --pattern 'nurture:{0}:account_touches:*'; } | while read -r key; do
            rcli GET "$key" | grep -o '\["[^"]*","' | sort | uniq -d
        done | wc -l)
# Touchpoints of a move missing from their accounts: a move is a page view at the account
# the contact had, then an update naming the one it moves to (scripts/lib/backlog.awk), and
# the contact's commit must write both accounts.
missed=$(awk '{ match($0, /"contact":"[^"]*"/); contact = substr($0, RSTART, RLENGTH)
                id = $0; sub(/^\{"id":"/, "", id); sub(/".*/, "", id)
                named = ""; if (match($0, /"account":"[^"]*"/)) named = substr($0, RSTART + 11, RLENGTH - 12)
                if (id ~ /-move$/) { print previous_id, account[contact]; print id, named }
                if (named != "") account[contact] = named
                previous_id = id }' "$work/all.jsonl" |
    while read -r id account; do
        rcli GET "nurture:{0}:account_touches:$account" | grep -qF "\"$id\"" || echo "$id"
    done | wc -l)
echo "chaos: events $events, engine SIGKILLs $kills, Redis restarts $restarts," \
     "actions expected $expected, lost $lost, duplicated $duplicated, unexpected $unexpected," \
     "dead letters $dead, touchpoints recorded twice $twice, touchpoints of moves missing from their accounts $missed"
[ "$lost" = 0 ] && [ "$duplicated" = 0 ] && [ "$unexpected" = 0 ] && [ "$dead" = 0 ] &&
    [ "$twice" = 0 ] && [ "$missed" = 0 ]
