#!/usr/bin/env bash
# A stored state or row text the engine cannot read is reported with its reason, and the
# contact (or account) starts afresh: the touchpoint is still decided and committed, nothing
# is dead-lettered, and the commit writes a readable state and rows in place of the broken
# ones. An account's rows are read when a rule asks about its committee: a malformed row is
# reported then, and dropped with the rows after it.
. "$(dirname "$0")/lib.sh"

ID=grace@lumen-bank.example
ACCOUNT=lumen-bank
grep -F "\"$ID\"" "$EVENTS" | head -n 3 >"$TMP/first"
[ -s "$TMP/first" ] || fail "the sample events lost $ID"
push "$TMP/first"
start_engine
wait_settled
stop_engine

rcli SET "$PREFIX:{0}:history:$ID" '["ev-grace-01","identify"' >/dev/null
rcli HSET "$PREFIX:{0}:account:$ACCOUNT" state 'not json' >/dev/null
version=$(rcli HGET "$PREFIX:{0}:contact:$ID" ver)

cat >"$TMP/next" <<NEXT
{"id": "ev-unreadable-1", "contact": "$ID", "type": "page_view", "at": "2026-01-09T10:00:00Z", "account": "$ACCOUNT", "props": {"page_type": "docs"}}
NEXT
push "$TMP/next"
start_engine
wait_settled
stop_engine

grep -qF "stored state of contact $ID unreadable (stored history row 1 of contact $ID is malformed): starting it afresh" "$TMP/engine.log" ||
    fail "the broken history rows were not reported"
grep -qF "stored state of account $ACCOUNT unreadable" "$TMP/engine.log" ||
    fail "the broken account state was not reported"
[ "$(rcli HGET "$PREFIX:{0}:contact:$ID" ver)" = $((version + 1)) ] ||
    fail "the touchpoint was not committed"
rows=$(rcli GET "$PREFIX:{0}:history:$ID")
case $rows in '["ev-unreadable-1","page_view",'*']') ;; *) fail "the rows were not written afresh: $rows" ;; esac
case $(rcli HGET "$PREFIX:{0}:account:$ACCOUNT" state) in '{"facts":'*) ;;
    *) fail "the account state was not written afresh" ;; esac
[ "$(rcli XLEN "$PREFIX:dead")" = 0 ] || fail "an entry was dead-lettered"

# The account's rows: a good one, then a broken one; a pricing page view asks the committee.
good='["ev-unreadable-1","'$ID'","page_view",1767952800000,{"page_type":"docs"}]'
rcli SET "$PREFIX:{0}:account_touches:$ACCOUNT" "$good,[\"ev-cut\",\"$ID\"" >/dev/null
cat >"$TMP/pricing" <<NEXT
{"id": "ev-unreadable-2", "contact": "$ID", "type": "page_view", "at": "2026-01-09T11:00:00Z", "account": "$ACCOUNT", "props": {"page_type": "pricing"}}
NEXT
push "$TMP/pricing"
start_engine
wait_settled
stop_engine
grep -qF "stored touchpoint row 2 of account $ACCOUNT is malformed: it and the rows after it are dropped" \
    "$TMP/engine.log" || fail "the broken account row was not reported"
rows=$(rcli GET "$PREFIX:{0}:account_touches:$ACCOUNT")
case $rows in "$good,"'["ev-unreadable-2","'$ID'","page_view",'*'"pricing"}]') ;;
    *) fail "the account rows were not written afresh: $rows" ;; esac
[ "$(rcli XLEN "$PREFIX:dead")" = 0 ] || fail "an entry was dead-lettered"
echo "ok: unreadable rows and state reported, started afresh and written again"
