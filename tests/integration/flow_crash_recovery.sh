#!/usr/bin/env bash
# SIGKILL the engine several times while it works through a backlog, then let a restarted
# engine finish: every action replay derives is emitted exactly once; nothing is lost.
. "$(dirname "$0")/lib.sh"

# A synthetic backlog: 4,000 touchpoints of 400 contacts.
awk -v events=4000 -v contacts=400 -f "$NURTURE_SOURCE_DIR/scripts/lib/backlog.awk" >"$TMP/backlog.jsonl"
push "$TMP/backlog.jsonl"

for round in 1 2 3; do
    start_engine
    sleep 0.$((2 + RANDOM % 5))
    kill -KILL "$ENGINE_PID"
    wait "$ENGINE_PID" 2>/dev/null || true
    ENGINE_PID=
done
start_engine
wait_settled
stop_engine

sort <(released_ids) <(scheduled_ids) >"$TMP/live"
replay_ids "$TMP/backlog.jsonl" >"$TMP/replay"
[ -s "$TMP/replay" ] || fail "replay derived no action from the backlog"
[ -z "$(uniq -d "$TMP/live")" ] || fail "actions emitted twice: $(uniq -d "$TMP/live" | head -3)"
missing=$(comm -23 "$TMP/replay" "$TMP/live" | wc -l)
extra=$(comm -13 "$TMP/replay" "$TMP/live" | wc -l)
[ "$missing" = 0 ] && [ "$extra" = 0 ] || fail "after 3 SIGKILLs: $missing actions lost, $extra unexpected"
echo "ok: 4000 events, 3 SIGKILLs, $(wc -l <"$TMP/live") actions, lost 0, duplicated 0"
