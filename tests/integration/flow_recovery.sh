#!/usr/bin/env bash
# Crash recovery in the consumer group: an entry left pending by a consumer that died is
# claimed and processed; an entry that was delivered max-deliveries times without being
# settled (a poison event in a crash loop) is dead-lettered with its delivery count.
. "$(dirname "$0")/lib.sh"

head -20 "$EVENTS" >"$TMP/first.jsonl"
push "$TMP/first.jsonl"
rcli XGROUP CREATE "$PREFIX:events" nurture 0 >/dev/null

# "ghost" takes the first ten entries and dies without acking them.
rcli XREADGROUP GROUP nurture ghost COUNT 10 STREAMS "$PREFIX:events" '>' >/dev/null
# "test" (the engine's name below) takes the next entry and crashes on it four more times.
poison=$(rcli XREADGROUP GROUP nurture test COUNT 1 STREAMS "$PREFIX:events" '>' | sed -n 2p)
for _ in 1 2 3 4; do
    rcli XREADGROUP GROUP nurture test COUNT 1 STREAMS "$PREFIX:events" 0 >/dev/null
done
[ "$(rcli XPENDING "$PREFIX:events" nurture - + 10 test | sed -n 4p)" = 5 ] ||
    fail "setup: the poison entry should have 5 deliveries"

sleep 0.3
"$NURTURE_BIN" run --redis "$URL" --rules "$RULES" --prefix "$PREFIX" --consumer test \
    --block-ms 200 --claim-idle-ms 200 --max-deliveries 5 >>"$TMP/engine.log" 2>&1 &
ENGINE_PID=$!
wait_settled
stop_engine

[ "$(rcli XLEN "$PREFIX:dead")" = 1 ] || fail "expected the poison entry in the dead letters"
rcli XRANGE "$PREFIX:dead" - + >"$TMP/dead"
grep -qF "gave up after 5 deliveries" "$TMP/dead" || fail "dead letter lacks the delivery count"
grep -qF "$poison" "$TMP/dead" || fail "dead letter does not name entry $poison"
grep -qE "claimed 1[01] entries" "$TMP/engine.log" || fail "the ghost's entries were not claimed"
[ "$(rcli XPENDING "$PREFIX:events" nurture | head -1)" = 0 ] || fail "entries left pending"

# Every other event was decided: the actions equal replay's over the file without the poison.
poison_line=$(($(rcli XRANGE "$PREFIX:events" - "$poison" | grep -c '^{')))
sed "${poison_line}d" "$TMP/first.jsonl" >"$TMP/expected.jsonl"
diff <(replay_ids "$TMP/expected.jsonl") <(sort <(released_ids) <(scheduled_ids)) >/dev/null ||
    fail "actions differ from replay without the poison event"
echo "ok: 10 entries claimed from a dead consumer, poison entry dead-lettered after 5 deliveries"
