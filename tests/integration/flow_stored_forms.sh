#!/usr/bin/env bash
# States stored before the touchpoint rows had texts of their own carry the rows inside the
# state ("history" for a contact, "touches" for an account). The engine reads them, writes
# the rows to their own texts at the next commit, and decides as if nothing had changed:
# the actions of the whole run equal replay's.
. "$(dirname "$0")/lib.sh"

lines=$(grep -c . "$EVENTS")
head -n $((lines / 2)) "$EVENTS" >"$TMP/first"
tail -n +$((lines / 2 + 1)) "$EVENTS" >"$TMP/second"

push "$TMP/first"
start_engine
wait_settled
stop_engine

# older_form KIND MEMBER ROWS_KIND: folds each stored text of ROWS_KIND into the state of
# its KIND as MEMBER, and drops the text, as an older engine stored them.
older_form() {
    local kind=$1 member=$2 rows_kind=$3 key id rows state folded=0
    for key in $(rcli --scan --pattern "$PREFIX:{0}:$kind:*"); do
        id=${key#"$PREFIX:{0}:$kind:"}
        rows=$(rcli GET "$PREFIX:{0}:$rows_kind:$id")
        state=$(rcli HGET "$key" state)
        rcli HSET "$key" state "{\"$member\":[$rows],${state#\{}" >/dev/null
        rcli DEL "$PREFIX:{0}:$rows_kind:$id" >/dev/null
        folded=$((folded + 1))
    done
    [ "$folded" -gt 0 ] || fail "no $kind was stored"
}
older_form contact history history
older_form account touches account_touches
[ -z "$(rcli --scan --pattern "$PREFIX:{0}:history:*")" ] || fail "a history text was left"

push "$TMP/second"
start_engine
wait_settled
stop_engine

sort <(released_ids) <(scheduled_ids) >"$TMP/live"
replay_ids "$EVENTS" >"$TMP/replay"
[ -s "$TMP/replay" ] || fail "replay derived no action"
diff "$TMP/replay" "$TMP/live" >/dev/null ||
    fail "live ids differ from replay: $(diff "$TMP/replay" "$TMP/live" | head)"

# Every contact the second half touched has all its rows back in their text (the older ones
# too; no contact here has more than the 64 kept) and none in its state.
moved=0
for id in $(sed -E 's/.*"contact": ?"([^"]+)".*/\1/' "$TMP/second" | sort -u); do
    state=$(rcli HGET "$PREFIX:{0}:contact:$id" state)
    case $state in *'"history"'*) fail "contact $id kept its rows in its state" ;; esac
    events=$(grep -F "\"$id\"" "$EVENTS" | sed -E 's/^\{"id": ?"([^"]+)".*/\1/' | sort -u | wc -l)
    rows=$(rcli GET "$PREFIX:{0}:history:$id" | grep -o '\],\[' | wc -l)
    rows=$((rows + 1))
    [ "$rows" = "$events" ] || fail "contact $id has $rows history rows, not $events"
    moved=$((moved + 1))
done
echo "ok: $moved contacts moved their rows to texts of their own; actions equal replay's"
