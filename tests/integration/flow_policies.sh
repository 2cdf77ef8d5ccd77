#!/usr/bin/env bash
# Policies in the live engine: a goal cancels the contact's pending actions before they are
# released; an unsubscribe after an action was scheduled holds it at release; both are
# recorded in the held stream, never silently dropped. A repeat within the cooldown is
# recorded once for the delivery it repeats.
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

# A repeat within the cooldown is recorded once per delivery it repeats, also when the
# contact's state goes through Redis between its touchpoints (a new engine for each).
for n in 1 2 3; do
    echo "{\"id\":\"r$n\",\"contact\":\"repeater\",\"type\":\"page_view\",\"at\":\"$(at "$n")\"}" \
        >"$TMP/repeat.jsonl"
    start_engine "$NURTURE_SOURCE_DIR/tests/integration/playbooks/policies"
    push "$TMP/repeat.jsonl"
    wait_settled
    stop_engine
done
rcli XRANGE "$PREFIX:{0}:held" - + | grep '"contact":"repeater"' >"$TMP/repeats" || true
[ "$(grep -c '"policy":"cooldown"' "$TMP/repeats")" = 2 ] &&
    [ "$(grep -c '"event":"r2"' "$TMP/repeats")" = 2 ] ||
    fail "expected the second page view's two repeats recorded, and no more: $(cat "$TMP/repeats")"
echo "ok: goal cancelled 2 pending mails, unsubscribe held 1 at release, nothing sent;" \
    "repeats recorded once"
