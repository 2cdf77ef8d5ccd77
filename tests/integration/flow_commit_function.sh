#!/usr/bin/env bash
# nurture_commit driven directly, for the paths the engine rarely takes: a version that moved
# and an event already seen each refuse the commit, write nothing (the seen-marks set before
# the one found are taken back) and leave the entry pending; a good commit writes the state
# with its new version, marks the events seen, schedules the action, records the held-back
# record, appends the history rows (or sets them, when asked) and acks the entries. An
# account's state is written when sent, else only its version moves; a commit writes every
# account the contact's events went to, and a moved version of any of them refuses it.
. "$(dirname "$0")/lib.sh"

rcli FUNCTION LOAD REPLACE "$(cat "$NURTURE_SOURCE_DIR/engine/shell/redis_functions.lua")" >/dev/null
STREAM="$PREFIX:events"
rcli XGROUP CREATE "$STREAM" nurture 0 MKSTREAM >/dev/null
ENTRY=$(rcli XADD "$STREAM" '*' event '{"id":"e1"}')
rcli XREADGROUP GROUP nurture test COUNT 1 STREAMS "$STREAM" '>' >/dev/null

CONTACT="$PREFIX:{0}:contact:ana"
SEEN="$PREFIX:{0}:seen:e1"
HELD="$PREFIX:{0}:held"
SCHEDULED="$PREFIX:{0}:scheduled"
HISTORY="$PREFIX:{0}:history:ana"

# commit VERSION MODE ROWS: one FCALL for contact ana without an account, for the event of
# $SEEN and $ENTRY, with one action and one held-back record, and the history ROWS to append
# (MODE a) or set (MODE s); prints the function's reply.
commit() {
    rcli FCALL nurture_commit 7 "$CONTACT" "$PREFIX:{0}:due" "$SCHEDULED" "$HELD" "$STREAM" \
        "$HISTORY" "$SEEN" \
        "$1" 60 nurture "{\"v\":$(($1 + 1))}" '' 0 1 a-1 1767225600000 '{"id":"a-1"' 0 \
        1 '{"status":"held"}' "$2" "$3" "$ENTRY"
}
history() { rcli GET "$HISTORY"; }
pending() { rcli XPENDING "$STREAM" nurture | head -1; }
nothing_written() {
    [ "$(rcli EXISTS "$CONTACT" "$SEEN" "$SCHEDULED" "$HELD" "$HISTORY")" = 0 ] || fail "$1: something was written"
    [ "$(pending)" = 1 ] || fail "$1: the entry was acked"
}

[ "$(commit 5 s r1)" = 0 ] || fail "a commit expecting the wrong version was not refused"
nothing_written "wrong version"

[ "$(commit 0 s r1)" = 1 ] || fail "a good commit was refused"
[ "$(rcli HGET "$CONTACT" ver)" = 1 ] || fail "the version did not move to 1"
[ "$(rcli HGET "$CONTACT" state)" = '{"v":1}' ] || fail "the state was not written"
[ "$(rcli EXISTS "$SEEN")" = 1 ] || fail "the event was not marked seen"
[ "$(rcli TTL "$SEEN")" -gt 0 ] || fail "the seen-mark has no expiry"
[ "$(rcli HEXISTS "$SCHEDULED" a-1)" = 1 ] || fail "the action was not scheduled"
[ "$(rcli XLEN "$HELD")" = 1 ] || fail "the held-back record was not written"
[ "$(pending)" = 0 ] || fail "the entry was not acked"
[ "$(history)" = "r1" ] || fail "the history row was not set: $(history)"

# The same commit again (a retry after a lost reply): the seen-mark refuses it.
[ "$(commit 1 a ,r1)" = 0 ] || fail "a commit of an event already seen was not refused"
[ "$(rcli HGET "$CONTACT" ver)" = 1 ] || fail "a refused commit moved the version"
[ "$(rcli HGET "$CONTACT" state)" = '{"v":1}' ] || fail "a refused commit wrote the state"
[ "$(rcli XLEN "$HELD")" = 1 ] || fail "a refused commit wrote a held-back record"
[ "$(history)" = "r1" ] || fail "a refused commit changed the history: $(history)"

# next_event ID: a new pending entry for the next commit.
next_event() {
    SEEN="$PREFIX:{0}:seen:$1"
    ENTRY=$(rcli XADD "$STREAM" '*' event "{\"id\":\"$1\"}")
    rcli XREADGROUP GROUP nurture test COUNT 1 STREAMS "$STREAM" '>' >/dev/null
}

# Two events, the second seen already: the first one's mark, set before the second was
# found, is taken back, and both entries stay pending.
next_event e2
FIRST_SEEN=$SEEN FIRST_ENTRY=$ENTRY
next_event e3
rcli SET "$SEEN" 1 >/dev/null
[ "$(rcli FCALL nurture_commit 8 "$CONTACT" "$PREFIX:{0}:due" "$SCHEDULED" "$HELD" "$STREAM" \
    "$HISTORY" "$FIRST_SEEN" "$SEEN" \
    1 60 nurture '{"v":2}' '' 0 0 0 0 a ,r2 "$FIRST_ENTRY" "$ENTRY")" = 0 ] ||
    fail "a commit with one event already seen was not refused"
[ "$(rcli EXISTS "$FIRST_SEEN")" = 0 ] || fail "the refused commit left the first event's seen-mark"
[ "$(rcli HGET "$CONTACT" ver)" = 1 ] || fail "the refused commit moved the version"
[ "$(history)" = "r1" ] || fail "the refused commit changed the history: $(history)"
[ "$(pending)" = 2 ] || fail "the refused commit acked an entry"
rcli DEL "$SEEN" >/dev/null
[ "$(rcli FCALL nurture_commit 8 "$CONTACT" "$PREFIX:{0}:due" "$SCHEDULED" "$HELD" "$STREAM" \
    "$HISTORY" "$FIRST_SEEN" "$SEEN" \
    1 60 nurture '{"v":2}' '' 0 0 0 0 a ,r2,r3 "$FIRST_ENTRY" "$ENTRY")" = 1 ] ||
    fail "a commit of two events was refused"
[ "$(rcli EXISTS "$FIRST_SEEN" "$SEEN")" = 2 ] || fail "the events were not both marked seen"
[ "$(history)" = "r1,r2,r3" ] || fail "the history rows were not appended: $(history)"
[ "$(pending)" = 0 ] || fail "the two entries were not both acked"

next_event e4
[ "$(commit 2 s s1)" = 1 ] || fail "a commit setting the history was refused"
[ "$(history)" = "s1" ] || fail "the history was not set: $(history)"
next_event e5
[ "$(commit 3 '' '')" = 1 ] || fail "a commit writing no rows was refused"
[ "$(history)" = "s1" ] || fail "a commit without rows changed the history: $(history)"

# With an account: a state sent is written; without one ("") the account keeps its state
# and only its version moves. Its rows are appended either way.
ACCOUNT="$PREFIX:{0}:account:acme"
TOUCHES="$PREFIX:{0}:account_touches:acme"
# commit_with_account VERSION ACCOUNT_VERSION ACCOUNT_STATE
commit_with_account() {
    rcli FCALL nurture_commit 9 "$CONTACT" "$PREFIX:{0}:due" "$SCHEDULED" "$HELD" "$STREAM" \
        "$HISTORY" "$ACCOUNT" "$TOUCHES" "$SEEN" \
        "$1" 60 nurture "{\"v\":$(($1 + 1))}" 'unsubscribed' 1 "$2" "$3" a "t$2" 0 0 0 a ",r" "$ENTRY"
}
next_event e6
[ "$(commit_with_account 4 0 '{"facts":{"tier":1}}')" = 1 ] || fail "a commit with an account was refused"
[ "$(rcli HGET "$ACCOUNT" state)" = '{"facts":{"tier":1}}' ] || fail "the account state was not written"
[ "$(rcli HGET "$ACCOUNT" ver)" = 1 ] || fail "the account version did not move to 1"
[ "$(rcli HGET "$CONTACT" halt)" = unsubscribed ] || fail "the contact's suppression was not written"
next_event e7
[ "$(commit_with_account 5 1 '')" = 1 ] || fail "a commit keeping the account state was refused"
[ "$(rcli HGET "$ACCOUNT" state)" = '{"facts":{"tier":1}}' ] || fail "the kept account state changed"
[ "$(rcli HGET "$ACCOUNT" ver)" = 2 ] || fail "the account version did not move to 2"
[ "$(rcli HGET "$CONTACT" ver)" = 6 ] || fail "the contact version did not move to 6"
[ "$(rcli GET "$TOUCHES")" = "t0t1" ] || fail "the account rows were not appended: $(rcli GET "$TOUCHES")"
next_event e8
[ "$(commit_with_account 6 1 '')" = 0 ] || fail "a commit expecting a moved account version was not refused"
[ "$(rcli HGET "$CONTACT" ver)" = 6 ] || fail "a refused commit moved the contact version"
[ "$(rcli EXISTS "$SEEN")" = 0 ] || fail "a refused commit left a seen-mark"

# Two accounts in one commit (a buyer who changed companies within a batch): both versions
# are checked before anything is written, and both states and rows are written.
OTHER="$PREFIX:{0}:account:globex"
OTHER_TOUCHES="$PREFIX:{0}:account_touches:globex"
# commit_with_two VERSION OTHER_VERSION
commit_with_two() {
    rcli FCALL nurture_commit 11 "$CONTACT" "$PREFIX:{0}:due" "$SCHEDULED" "$HELD" "$STREAM" \
        "$HISTORY" "$ACCOUNT" "$TOUCHES" "$OTHER" "$OTHER_TOUCHES" "$SEEN" \
        "$1" 60 nurture "{\"v\":$(($1 + 1))}" '' 2 2 '{"n":"acme"}' a t2 \
        "$2" '{"n":"globex"}' s g1 0 0 0 '' '' "$ENTRY"
}
[ "$(commit_with_two 6 3)" = 0 ] || fail "a commit expecting a moved version of its second account was not refused"
[ "$(rcli HGET "$ACCOUNT" ver)" = 2 ] || fail "a refused commit moved the first account's version"
[ "$(rcli EXISTS "$OTHER" "$SEEN")" = 0 ] || fail "a refused commit wrote the second account or a seen-mark"
[ "$(commit_with_two 6 0)" = 1 ] || fail "a commit with two accounts was refused"
[ "$(rcli HGET "$ACCOUNT" state) $(rcli HGET "$ACCOUNT" ver)" = '{"n":"acme"} 3' ] ||
    fail "the first account was not written: $(rcli HGETALL "$ACCOUNT" | tr '\n' ' ')"
[ "$(rcli HGET "$OTHER" state) $(rcli HGET "$OTHER" ver)" = '{"n":"globex"} 1' ] ||
    fail "the second account was not written: $(rcli HGETALL "$OTHER" | tr '\n' ' ')"
[ "$(rcli GET "$TOUCHES") $(rcli GET "$OTHER_TOUCHES")" = "t0t1t2 g1" ] ||
    fail "the accounts' rows were not written: $(rcli GET "$TOUCHES") $(rcli GET "$OTHER_TOUCHES")"
[ "$(pending)" = 0 ] || fail "the commit with two accounts did not ack its entry"
echo "commit function: refusals and good commits as specified"
