#!/usr/bin/env bash
# nurture_commit driven directly, for the paths the engine rarely takes: a staged state that
# never arrived, a version that moved and an event already seen each refuse the commit, write
# nothing but drop what was staged, and leave the entry pending; a good commit moves the
# staged state into place for good (no expiry), marks the event seen, schedules the action,
# records the held-back record and acks the entry.
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

# commit VERSION: one FCALL for contact ana without an account, with one action and one
# held-back record; prints the function's reply.
commit() {
    rcli FCALL nurture_commit 9 "$CONTACT" "$PREFIX:{0}:due" "$SCHEDULED" "$HELD" "$CONTACT" \
        "$STAGED" "$STAGED" "$STREAM" "$SEEN" \
        "$1" 60 '' nurture 1 a-1 1767225600000 '{"id":"a-1"' 0 1 '{"status":"held"}' "$ENTRY"
}
stage() {
    rcli HSET "$STAGED" state '{"facts":{}}' halt '' >/dev/null
    rcli PEXPIRE "$STAGED" 600000 >/dev/null
}
pending() { rcli XPENDING "$STREAM" nurture | head -1; }
nothing_written() {
    [ "$(rcli EXISTS "$CONTACT" "$SEEN" "$SCHEDULED" "$HELD")" = 0 ] || fail "$1: something was written"
    [ "$(rcli EXISTS "$STAGED")" = 0 ] || fail "$1: the staged state was left behind"
    [ "$(pending)" = 1 ] || fail "$1: the entry was acked"
}

[ "$(commit 0)" = 0 ] || fail "a commit without its staged state was not refused"
nothing_written "no staged state"

stage
[ "$(commit 5)" = 0 ] || fail "a commit expecting the wrong version was not refused"
nothing_written "wrong version"

stage
[ "$(commit 0)" = 1 ] || fail "a good commit was refused"
[ "$(rcli HGET "$CONTACT" ver)" = 1 ] || fail "the version did not move to 1"
[ "$(rcli HGET "$CONTACT" state)" = '{"facts":{}}' ] || fail "the staged state is not in place"
[ "$(rcli TTL "$CONTACT")" = -1 ] || fail "the contact kept the staged state's expiry"
[ "$(rcli EXISTS "$STAGED")" = 0 ] || fail "the staged state was not moved"
[ "$(rcli EXISTS "$SEEN")" = 1 ] || fail "the event was not marked seen"
[ "$(rcli HEXISTS "$SCHEDULED" a-1)" = 1 ] || fail "the action was not scheduled"
[ "$(rcli XLEN "$HELD")" = 1 ] || fail "the held-back record was not written"
[ "$(pending)" = 0 ] || fail "the entry was not acked"

# The same commit again (a retry after a lost reply): the seen-mark refuses it.
stage
[ "$(commit 1)" = 0 ] || fail "a commit of an event already seen was not refused"
[ "$(rcli HGET "$CONTACT" ver)" = 1 ] || fail "a refused commit moved the version"
[ "$(rcli XLEN "$HELD")" = 1 ] || fail "a refused commit wrote a held-back record"
[ "$(rcli EXISTS "$STAGED")" = 0 ] || fail "a refused commit left its staged state"
echo "commit function: refusals and a good commit as specified"
