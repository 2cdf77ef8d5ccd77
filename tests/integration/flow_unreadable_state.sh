#!/usr/bin/env bash
# A stored state or row text the engine cannot read is reported with its reason, and the
# contact (or account) starts afresh: the touchpoint is still decided and committed, nothing
# is dead-lettered, and the commit writes a readable state and rows in place of the broken
# ones.
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
echo "ok: unreadable rows and state reported, started afresh and written again"
