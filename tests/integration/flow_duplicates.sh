#!/usr/bin/env bash
# The same events sent twice — once before the engine runs (duplicates inside one read) and
# once more after it settled (duplicates across batches) — produce their actions once.
. "$(dirname "$0")/lib.sh"

push "$EVENTS"
push "$EVENTS"
start_engine
wait_settled
push "$EVENTS"
wait_settled
stop_engine

sort <(released_ids) <(scheduled_ids) >"$TMP/live"
replay_ids "$EVENTS" >"$TMP/replay"
[ -s "$TMP/replay" ] || fail "replay derived no action"
[ -z "$(uniq -d "$TMP/live")" ] || fail "actions sent twice: $(uniq -d "$TMP/live" | head -3)"
diff "$TMP/replay" "$TMP/live" >/dev/null || fail "live ids differ from replay: $(diff "$TMP/replay" "$TMP/live" | head)"
lines=$(grep -c . "$EVENTS")
[ "$(rcli XLEN "$PREFIX:events")" = $((3 * lines)) ] || fail "not every copy was pushed"
unique=$(sed -E 's/^\{"id": ?"([^"]+)".*/\1/' "$EVENTS" | sort -u | wc -l)
grep -q "$((3 * lines - unique)) duplicates" "$TMP/engine.log" ||
    fail "engine did not count $((3 * lines - unique)) duplicates"
echo "ok: $((3 * lines)) entries, $(wc -l <"$TMP/live") actions, each once"
