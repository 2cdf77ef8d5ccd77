#!/usr/bin/env bash
# The filter of stored states. Once the engine has listed the contacts and accounts in Redis,
# a new one starts without a fetch. One stored before the engine started is listed, fetched,
# and goes on from its stored state. One another engine writes after the listing is guessed
# new: the commit's version check refuses the guess, the event is decided again from the
# fetched state and applied once, and new states are fetched for a while. With the filter
# off, every state not kept is fetched. A prefix with glob characters lists its own keys.
. "$(dirname "$0")/lib.sh"

ID=grace@lumen-bank.example
ACCOUNT=lumen-bank
OTHER=other-engines@lumen-bank.example

# Starts the engine with the metrics on and waits until it has listed the stored states (or
# only for its metrics, with the filter off); extra arguments go to `nurture run`.
start_listing() {
    local from
    from=$(($(wc -l <"$TMP/engine.log") + 1))
    "$NURTURE_BIN" run --redis "$URL" --rules "$RULES" --prefix "$PREFIX" --consumer test \
        --block-ms 200 --metrics 127.0.0.1:0 "$@" >>"$TMP/engine.log" 2>&1 &
    ENGINE_PID=$!
    for _ in $(seq 1 100); do
        ADDRESS=$(tail -n +"$from" "$TMP/engine.log" |
            sed -nE 's/.*metrics: listening on ([0-9.]+:[0-9]+).*/\1/p')
        LISTED=$(tail -n +"$from" "$TMP/engine.log" |
            sed -nE 's/.*stored states listed \(([0-9]+) keys.*/\1/p')
        [ -n "$ADDRESS" ] && [ -n "$LISTED" ] && return 0
        [ -n "$ADDRESS" ] && [ "${1:-}" = --stored-filter-mib ] && return 0
        sleep 0.1
    done
    fail "the engine did not list the stored states"
}

# Prints the value of metric sample NAME (labels as written).
value() {
    curl -sS --max-time 5 "http://$ADDRESS/metrics" | awk -v name="$1" '$1 == name {print $2}'
}
# Counts the hashes whose keys match the SCAN pattern $1.
hashes_matching() {
    rcli --scan --pattern "$1" | while read -r key; do
        if [ "$(rcli TYPE "$key")" = hash ]; then echo "$key"; fi
    done | wc -l
}
contacts_from() { value "nurture_states_total{kind=\"contact\",source=\"$1\"}"; }
conflicts() { value nurture_commit_conflicts_total; }

event() { # id contact at
    printf '{"id": "%s", "contact": "%s", "account": "%s", "type": "page_view", "at": "%s", "props": {"page_type": "docs"}}\n' \
        "$1" "$2" "$ACCOUNT" "$3" >"$TMP/event"
    push "$TMP/event" >/dev/null
}

touch "$TMP/engine.log"
# One delivery at most: an entry read again after it is dead-lettered, unless the delivery
# ended in a refused commit, as the wrong guess below does.
start_listing --max-deliveries 1
[ "$LISTED" = 0 ] || fail "listed $LISTED stored states in an empty Redis"
grep -F "\"$ID\"" "$EVENTS" | head -n 3 >"$TMP/first"
push "$TMP/first" >/dev/null
wait_settled
[ "$(contacts_from new)" = 1 ] || fail "$(contacts_from new) contacts started new, expected 1"
[ "$(contacts_from redis)" = 0 ] || fail "a new contact was fetched"
[ "$(value 'nurture_states_total{kind="account",source="new"}')" = 1 ] ||
    fail "the new account was not started without a fetch"
[ "$(conflicts)" = 0 ] || fail "conflicts on new contacts"

# Another engine writes a contact after the listing: here a copy of grace's state and rows.
rcli COPY "$PREFIX:{0}:contact:$ID" "$PREFIX:{0}:contact:$OTHER" >/dev/null
rcli COPY "$PREFIX:{0}:history:$ID" "$PREFIX:{0}:history:$OTHER" >/dev/null
version=$(rcli HGET "$PREFIX:{0}:contact:$OTHER" ver)
rows=$(rcli GET "$PREFIX:{0}:history:$OTHER")
decided=$(value nurture_events_decided_total)
guessed=$(contacts_from new)
event ev-other-1 "$OTHER" 2026-01-09T10:00:00Z
wait_settled
[ "$(conflicts)" = 1 ] || fail "$(conflicts) conflicts, expected the wrong guess to be refused once"
[ "$(contacts_from redis)" = 1 ] || fail "the refused contact was not fetched"
[ "$(value nurture_events_decided_total)" = $((decided + 1)) ] || fail "the event was not applied once"
[ "$(rcli XLEN "$PREFIX:dead")" = 0 ] || fail "the refused delivery counted: the event was dead-lettered"
[ "$(rcli HGET "$PREFIX:{0}:contact:$OTHER" ver)" = $((version + 1)) ] ||
    fail "the event was not committed over the other engine's state"
case $(rcli GET "$PREFIX:{0}:history:$OTHER") in "$rows,"'["ev-other-1","page_view",'*) ;;
    *) fail "the stored rows were not continued" ;; esac
# After a wrong guess, another engine may be creating states: new ones are fetched for a while.
grep -qF "a state of contact $OTHER taken for new is stored" "$TMP/engine.log" ||
    fail "the wrong guess was not logged"
event ev-after-guess-1 after-guess@lumen-bank.example 2026-01-09T11:00:00Z
wait_settled
[ "$(contacts_from new)" = $((guessed + 1)) ] || fail "a new state was guessed right after a wrong guess"
[ "$(contacts_from redis)" = 2 ] || fail "the new state after a wrong guess was not fetched"
stop_engine

# A new process lists what is stored: grace is fetched and goes on from her state.
start_listing
# Every hash under the prefix is listed: both contacts, the account, the schedule.
hashes=$(hashes_matching "$PREFIX:{0}:*")
[ "$hashes" -ge 3 ] || fail "only $hashes hashes stored"
[ "$LISTED" = "$hashes" ] || fail "listed $LISTED stored states of the $hashes hashes"
version=$(rcli HGET "$PREFIX:{0}:contact:$ID" ver)
event ev-grace-later "$ID" 2026-01-10T10:00:00Z
wait_settled
[ "$(contacts_from redis)" = 1 ] || fail "the stored contact was not fetched"
[ "$(contacts_from new)" = 0 ] || fail "a stored contact was taken for a new one"
[ "$(conflicts)" = 0 ] || fail "conflicts on listed states"
[ "$(rcli HGET "$PREFIX:{0}:contact:$ID" ver)" = $((version + 1)) ] || fail "grace's event was not committed"
stop_engine

# A state the engine created is in the filter: with nothing kept between batches, the next
# event of a new contact fetches the state its first event committed.
start_listing --cache -1
event ev-fresh-1 fresh@lumen-bank.example 2026-01-10T11:00:00Z
wait_settled
event ev-fresh-2 fresh@lumen-bank.example 2026-01-10T12:00:00Z
wait_settled
[ "$(contacts_from new)" = 1 ] || fail "$(contacts_from new) states started new, expected 1"
[ "$(contacts_from redis)" = 1 ] || fail "the created state was not fetched for the next event"
[ "$(conflicts)" = 0 ] || fail "a created state was taken for a new one"
[ "$(rcli HGET "$PREFIX:{0}:contact:fresh@lumen-bank.example" ver)" = 2 ] ||
    fail "the second event was not committed over the first"
stop_engine

# With the filter off, a new contact is fetched like any other state not kept.
start_listing --stored-filter-mib -1
event ev-new-1 new-contact@lumen-bank.example 2026-01-11T10:00:00Z
wait_settled
[ "$(contacts_from redis)" = 1 ] || fail "with the filter off the new contact was not fetched"
[ "$(contacts_from new)" = 0 ] || fail "with the filter off a contact started without a fetch"
stop_engine
[ "$(rcli XLEN "$PREFIX:dead")" = 0 ] || fail "an entry was dead-lettered"

# A prefix with a glob character lists its own keys: "[1]" left as it is in the SCAN pattern
# would match a "1" and list none of them.
PLAIN=$PREFIX
PREFIX="${PLAIN}[1]"
start_listing
event ev-glob-1 glob@lumen-bank.example 2026-01-12T10:00:00Z
wait_settled
stop_engine
start_listing
hashes=$(hashes_matching "${PLAIN}\\[1\\]:{0}:*")
[ "$hashes" -ge 2 ] || fail "only $hashes hashes stored under the prefix $PREFIX"
[ "$LISTED" = "$hashes" ] || fail "listed $LISTED stored states of the $hashes under $PREFIX"
event ev-glob-2 glob@lumen-bank.example 2026-01-12T11:00:00Z
wait_settled
[ "$(contacts_from redis)" = 1 ] || fail "the listed contact under $PREFIX was not fetched"
[ "$(conflicts)" = 0 ] || fail "conflicts under $PREFIX"
stop_engine
rcli --scan --pattern "${PLAIN}\\[1\\]:*" | while read -r key; do rcli DEL "$key" >/dev/null; done
PREFIX=$PLAIN
echo "ok: new states start without a fetch, listed ones are fetched, a wrong guess is refused once"
