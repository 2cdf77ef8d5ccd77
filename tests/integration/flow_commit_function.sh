#!/usr/bin/env bash
# nurture_commit driven directly, for the paths the engine rarely takes: a staged state that
# never arrived, a version that moved and an event already seen each refuse the commit, write
# nothing but drop what was staged, and leave the entry pending; a good commit moves the
# staged state into place for good (no expiry), marks the event seen, schedules the action,
# records the held-back record, appends the history rows (or sets them, when asked) and acks
# the entry. An account's state is moved into place when staged, else only its version moves.
. "$(dirname "$0")/lib.sh"

rcli FUNCTION LOAD REPLACE "$(cat "$NURTURE_SOURCE_DIR/engine/shell/redis_functions.lua")" >/dev/null
STREAM="$PREFIX:events"
rcli XGROUP CREATE "$STREAM" nurture 0 MKSTREAM >/dev/null
ENTRY=$(rcli XADD "$STREAM" '*' event '{"id":"e1"}')
rcli XREADGROUP GROUP nurture test COUNT 1 STREAMS "$STREAM" '>' >/dev/null

CONTACT="$PREFIX:{0}:contact:ana"
STAGED="$PREFIX:{0}:staged:test:$CONTACT"
SEEN="$PREFIX:{0}:seen:e1"
HELD="$PREFIX:{0}:held"
SCHEDULED="$PREFIX:{0}:scheduled"
HISTORY="$PREFIX:{0}:history:ana"

# commit VERSION MODE ROWS: one FCALL for contact ana without an account, for the event of
# $SEEN and $ENTRY, with one action and one held-back record, and the history ROWS to append
# (MODE a) or set (MODE s); prints the function's reply.
commit() {
    rcli FCALL nurture_commit 11 "$CONTACT" "$PREFIX:{0}:due" "$SCHEDULED" "$HELD" "$CONTACT" \
        "$STAGED" "$STAGED" "$STREAM" "$HISTORY" "$HISTORY" "$SEEN" \
        "$1" 60 '' nurture 1 a-1 1767225600000 '{"id":"a-1"' 0 1 '{"status":"held"}' \
        "$2" "$3" '' '' "$ENTRY"
}
history() { rcli GET "$HISTORY"; }
# stage VERSION: the staged state, bringing VERSION.
stage() {
    rcli HSET "$STAGED" state '{"facts":{}}' halt '' ver "$1" >/dev/null
    rcli PEXPIRE "$STAGED" 600000 >/dev/null
}
pending() { rcli XPENDING "$STREAM" nurture | head -1; }
nothing_written() {
    [ "$(rcli EXISTS "$CONTACT" "$SEEN" "$SCHEDULED" "$HELD" "$HISTORY")" = 0 ] || fail "$1: something was written"
    [ "$(rcli EXISTS "$STAGED")" = 0 ] || fail "$1: the staged state was left behind"
    [ "$(pending)" = 1 ] || fail "$1: the entry was acked"
}

[ "$(commit 0 s r1)" = 0 ] || fail "a commit without its staged state was not refused"
nothing_written "no staged state"

stage 6
[ "$(commit 5 s r1)" = 0 ] || fail "a commit expecting the wrong version was not refused"
nothing_written "wrong version"

stage 1
[ "$(commit 0 s r1)" = 1 ] || fail "a good commit was refused"
[ "$(rcli HGET "$CONTACT" ver)" = 1 ] || fail "the version did not move to 1"
[ "$(rcli HGET "$CONTACT" state)" = '{"facts":{}}' ] || fail "the staged state is not in place"
[ "$(rcli TTL "$CONTACT")" = -1 ] || fail "the contact kept the staged state's expiry"
[ "$(rcli EXISTS "$STAGED")" = 0 ] || fail "the staged state was not moved"
[ "$(rcli EXISTS "$SEEN")" = 1 ] || fail "the event was not marked seen"
[ "$(rcli HEXISTS "$SCHEDULED" a-1)" = 1 ] || fail "the action was not scheduled"
[ "$(rcli XLEN "$HELD")" = 1 ] || fail "the held-back record was not written"
[ "$(pending)" = 0 ] || fail "the entry was not acked"
[ "$(history)" = "r1" ] || fail "the history row was not set: $(history)"

# The same commit again (a retry after a lost reply): the seen-mark refuses it.
stage 2
[ "$(commit 1 a ,r1)" = 0 ] || fail "a commit of an event already seen was not refused"
[ "$(rcli HGET "$CONTACT" ver)" = 1 ] || fail "a refused commit moved the version"
[ "$(rcli XLEN "$HELD")" = 1 ] || fail "a refused commit wrote a held-back record"
[ "$(rcli EXISTS "$STAGED")" = 0 ] || fail "a refused commit left its staged state"
[ "$(history)" = "r1" ] || fail "a refused commit changed the history: $(history)"

# next_event ID: a new pending entry for the next commit.
next_event() {
    SEEN="$PREFIX:{0}:seen:$1"
    ENTRY=$(rcli XADD "$STREAM" '*' event "{\"id\":\"$1\"}")
    rcli XREADGROUP GROUP nurture test COUNT 1 STREAMS "$STREAM" '>' >/dev/null
}
next_event e2
stage 2
[ "$(commit 1 a ,r2,r3)" = 1 ] || fail "a commit appending rows was refused"
[ "$(history)" = "r1,r2,r3" ] || fail "the history rows were not appended: $(history)"
next_event e3
stage 3
[ "$(commit 2 s s1)" = 1 ] || fail "a commit setting the history was refused"
[ "$(history)" = "s1" ] || fail "the history was not set: $(history)"
next_event e4
stage 4
[ "$(commit 3 '' '')" = 1 ] || fail "a commit writing no rows was refused"
[ "$(history)" = "s1" ] || fail "a commit without rows changed the history: $(history)"
# With an account: a staged account state is moved into place; without one (KEYS[7] naming
# the contact's staging hash) the account keeps its state and only its version moves. Its
# rows are appended either way.
ACCOUNT="$PREFIX:{0}:account:acme"
STAGED_ACCOUNT="$PREFIX:{0}:staged:test:$ACCOUNT"
TOUCHES="$PREFIX:{0}:account_touches:acme"
# commit_with_account VERSION ACCOUNT_VERSION ACCOUNT_STAGING
commit_with_account() {
    rcli FCALL nurture_commit 11 "$CONTACT" "$PREFIX:{0}:due" "$SCHEDULED" "$HELD" "$ACCOUNT" \
        "$STAGED" "$3" "$STREAM" "$HISTORY" "$TOUCHES" "$SEEN" \
        "$1" 60 "$2" nurture 0 0 0 a ",r" a "t$2" "$ENTRY"
}
next_event e5
stage 5
rcli HSET "$STAGED_ACCOUNT" state '{"facts":{"tier":1}}' ver 1 >/dev/null
[ "$(commit_with_account 4 0 "$STAGED_ACCOUNT")" = 1 ] || fail "a commit with an account was refused"
[ "$(rcli HGET "$ACCOUNT" state)" = '{"facts":{"tier":1}}' ] || fail "the account state is not in place"
[ "$(rcli HGET "$ACCOUNT" ver)" = 1 ] || fail "the account version did not move to 1"
next_event e6
stage 6
[ "$(commit_with_account 5 1 "$STAGED")" = 1 ] || fail "a commit keeping the account state was refused"
[ "$(rcli HGET "$ACCOUNT" state)" = '{"facts":{"tier":1}}' ] || fail "the kept account state changed"
[ "$(rcli HGET "$ACCOUNT" ver)" = 2 ] || fail "the account version did not move to 2"
[ "$(rcli HGET "$CONTACT" ver)" = 6 ] || fail "the contact version did not move to 6"
[ "$(rcli GET "$TOUCHES")" = "t0t1" ] || fail "the account rows were not appended: $(rcli GET "$TOUCHES")"
next_event e7
stage 7
[ "$(commit_with_account 6 1 "$STAGED")" = 0 ] || fail "a commit expecting a moved account version was not refused"
[ "$(rcli HGET "$CONTACT" ver)" = 6 ] || fail "a refused commit moved the contact version"
echo "commit function: refusals and good commits as specified"
