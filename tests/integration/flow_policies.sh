#!/usr/bin/env bash
# Policies in the live engine: a goal cancels the contact's pending actions before they are
# released; an unsubscribe after an action was scheduled holds it at release; both are
# recorded in the held stream, never silently dropped.
. "$(dirname "$0")/lib.sh"

now=$(date -u +%s)
at() { date -u -d "@$((now + $1))" +%Y-%m-%dT%H:%M:%SZ; }
cat >"$TMP/events.jsonl" <<JSON
{"id":"a1","contact":"booker","type":"page_view","at":"$(at 0)"}
{"id":"a2","contact":"booker","type":"meeting_booked","at":"$(at 1)"}
{"id":"b1","contact":"leaver","type":"page_view","at":"$(at 0)"}
{"id":"b2","contact":"leaver","type":"unsubscribe","at":"$(at 0)"}
JSON
start_engine "$NURTURE_SOURCE_DIR/tests/integration/playbooks/policies"
push "$TMP/events.jsonl"
wait_settled
sleep 3 # hello_soon falls due two seconds after the touchpoints
stop_engine

rcli XRANGE "$PREFIX:{0}:held" - + | grep '^{' >"$TMP/held" || true
[ "$(grep -c '"status":"cancelled".*"goal":"meeting_booked"' "$TMP/held")" = 2 ] ||
    fail "expected the booker's two pending mails cancelled: $(cat "$TMP/held")"
grep -q '"policy":"unsubscribed".*"at_release":true\|"at_release":true.*"policy":"unsubscribed"' "$TMP/held" ||
    fail "the leaver's mail was not held at release: $(cat "$TMP/held")"
[ -z "$(released_ids)" ] || fail "an action was released: $(rcli XRANGE "$PREFIX:actions" - +)"
"$NURTURE_BIN" scheduled --redis "$URL" --prefix "$PREFIX" >"$TMP/scheduled"
[ "$(wc -l <"$TMP/scheduled")" = 1 ] && grep -q '"contact":"leaver".*"rule":"later"' "$TMP/scheduled" ||
    fail "expected only the leaver's later mail still scheduled: $(cat "$TMP/scheduled")"
echo "ok: goal cancelled 2 pending mails, unsubscribe held 1 at release, nothing sent"
