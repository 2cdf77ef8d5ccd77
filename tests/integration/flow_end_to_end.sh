#!/usr/bin/env bash
# The sample events through the live engine: the actions it emits (released or scheduled) are
# exactly those replay derives, each with its reasoning; nothing stays pending; an MA consumer
# handles each action once.
. "$(dirname "$0")/lib.sh"

push "$EVENTS"
start_engine
wait_settled
stop_engine

released_ids >"$TMP/released"
scheduled_ids >"$TMP/scheduled"
sort "$TMP/released" "$TMP/scheduled" >"$TMP/live"
replay_ids "$EVENTS" >"$TMP/replay"
[ -s "$TMP/replay" ] || fail "replay derived no action from the sample events"
diff "$TMP/replay" "$TMP/live" >/dev/null || fail "live and replay action ids differ: $(diff "$TMP/replay" "$TMP/live" | head)"
[ -z "$(uniq -d "$TMP/live")" ] || fail "an action id appears twice"

rcli XRANGE "$PREFIX:actions" - + | grep '^{"id"' >"$TMP/actions.json" || fail "no released action"
while read -r action; do
    for field in '"contact":"' '"kind":"' '"channel":"' '"due_at":"' '"emitted_at":"' '"rule":"' \
                 '"playbook":"' '"reason":{' '"because":"' '"touchpoints":["'; do
        grep -qF "$field" <<<"$action" || fail "action lacks $field: $action"
    done
done <"$TMP/actions.json"

[ "$(rcli XPENDING "$PREFIX:events" nurture | head -1)" = 0 ] || fail "entries left pending"
[ "$(rcli XLEN "$PREFIX:dead")" = 0 ] || fail "a sample event was dead-lettered"

"$NURTURE_BIN" explain --redis "$URL" --prefix "$PREFIX" --contact aiko@acme-robotics.example >"$TMP/explain"
for expected in 'contact aiko@acme-robotics.example (live state)' 'stage   researching' \
                'anxiety' 'by faq_loop_means_worry on ev-aiko-05' 'recent touchpoints:'; do
    grep -qF "$expected" "$TMP/explain" || fail "live explain lacks: $expected"
done

handled=$("$MA_CONSUMER_BIN" --redis "$URL" --stream "$PREFIX:actions" --group "$PREFIX-ma" \
          --idle-exit-ms 300 --json | wc -l)
[ "$handled" = "$(wc -l <"$TMP/released")" ] || fail "MA consumer handled $handled of $(wc -l <"$TMP/released")"
again=$("$MA_CONSUMER_BIN" --redis "$URL" --stream "$PREFIX:actions" --group "$PREFIX-ma" \
        --idle-exit-ms 300 --json | wc -l)
[ "$again" = 0 ] || fail "MA consumer handled $again actions a second time"
echo "ok: $(wc -l <"$TMP/live") actions, live = replay"
