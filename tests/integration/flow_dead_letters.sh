#!/usr/bin/env bash
# Malformed entries land in the dead-letter stream with their reason and are acked, while the
# engine keeps serving; `push` refuses bad lines with their line number; SIGTERM exits 0.
. "$(dirname "$0")/lib.sh"

start_engine
rcli XADD "$PREFIX:events" '*' event 'not json at all' >/dev/null
rcli XADD "$PREFIX:events" '*' event '{"id":"d2","type":"page_view","at":"2026-03-01T10:00:00Z"}' >/dev/null
rcli XADD "$PREFIX:events" '*' event '{"id":"d3","contact":"c","type":"page_view","at":"yesterday"}' >/dev/null
rcli XADD "$PREFIX:events" '*' payload 'no event field' >/dev/null
printf '{"id":"d5","contact":"c\xff","type":"x","at":"2026-03-01T10:00:00Z"}' |
    rcli -x XADD "$PREFIX:events" '*' event >/dev/null
wait_settled

[ "$(rcli XLEN "$PREFIX:dead")" = 5 ] || fail "expected 5 dead letters, found $(rcli XLEN "$PREFIX:dead")"
rcli XRANGE "$PREFIX:dead" - + >"$TMP/dead"
for reason in 'not valid JSON' 'missing required field "contact"' 'field "at": '"'"'yesterday'"'"' is not an RFC 3339 date-time' \
              'no "event" field' 'not valid UTF-8'; do
    grep -qF "$reason" "$TMP/dead" || fail "no dead letter with reason: $reason"
done
grep -qF 'not json at all' "$TMP/dead" || fail "dead letter lacks the original event"
kill -0 "$ENGINE_PID" || fail "engine died on malformed input"

# The engine still serves valid events after the bad ones.
push "$EVENTS"
wait_settled
[ "$(sort <(released_ids) <(scheduled_ids) | wc -l)" = "$(replay_ids "$EVENTS" | wc -l)" ] ||
    fail "valid events after bad ones did not produce their actions"
[ "$(rcli XPENDING "$PREFIX:events" nurture | head -1)" = 0 ] || fail "entries left pending"
stop_engine

# push reports bad lines with their number and sends none of them.
printf '%s\n' '{"id":"p1","contact":"c","type":"page_view","at":"2026-03-01T10:00:00Z"}' \
    'not json' '{"id":"p3","type":"page_view","at":"2026-03-01T10:00:00Z"}' >"$TMP/mixed.jsonl"
before=$(rcli XLEN "$PREFIX:events")
status=0
push "$TMP/mixed.jsonl" 2>"$TMP/push.err" || status=$?
[ "$status" = 1 ] || fail "push exited $status with bad lines"
grep -qF "mixed.jsonl:2: event is not valid JSON" "$TMP/push.err" || fail "push did not report line 2"
grep -qF 'mixed.jsonl:3: missing required field "contact"' "$TMP/push.err" || fail "push did not report line 3"
[ "$(rcli XLEN "$PREFIX:events")" = $((before + 1)) ] || fail "push sent a bad line"
echo "ok: 5 dead letters with reasons, engine kept serving, exit 0"
