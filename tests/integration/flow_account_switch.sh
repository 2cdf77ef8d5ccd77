#!/usr/bin/env bash
# A contact whose events in one batch go to two accounts: a buyer who moves from initech to
# globex shows up first in the CRM under initech, then at a globex webinar, then on the
# pricing page with no account named (so globex's, the one known by then). Each account must
# get its own touchpoints, as in replay: the contact's one commit writes both accounts.
. "$(dirname "$0")/lib.sh"

cat >"$TMP/events.jsonl" <<'JSONL'
{"id": "ev-dana-crm", "contact": "dana@mail.example", "account": "initech", "type": "identify", "at": "2026-03-02T09:00:00Z", "source": "crm", "props": {"industry": "software", "company_size": 300, "role": "marketing ops", "runs_ma": true, "segment": "mid_market"}}
{"id": "ev-dana-webinar", "contact": "dana@mail.example", "account": "globex", "type": "webinar_attended", "at": "2026-03-03T15:00:00Z", "channel": "webinar", "source": "ma", "props": {"webinar": "buying-signals", "minutes": 50}}
{"id": "ev-dana-pricing", "contact": "dana@mail.example", "type": "page_view", "at": "2026-03-04T10:00:00Z", "channel": "web", "source": "site", "props": {"page_type": "pricing", "url": "/pricing", "dwell_s": 240, "device": "desktop"}}
{"id": "ev-eli-crm", "contact": "eli@mail.example", "account": "initech", "type": "identify", "at": "2026-03-02T10:00:00Z", "source": "crm", "props": {"industry": "software", "company_size": 300, "role": "sales ops", "runs_ma": true, "segment": "mid_market"}}
JSONL

push "$TMP/events.jsonl" >/dev/null # all four wait as a backlog: the engine reads one batch
start_engine
wait_settled
stop_engine

touches() { rcli GET "$PREFIX:{0}:account_touches:$1"; }
expect_touch() { # ACCOUNT EVENT
    grep -q "\"$2\"" <<<"$(touches "$1")" || fail "$2 is not among $1's touches: $(touches "$1")"
}
expect_no_touch() {
    ! grep -q "\"$2\"" <<<"$(touches "$1")" || fail "$2 went to $1 as well"
}
expect_touch initech ev-dana-crm
expect_touch initech ev-eli-crm
expect_touch globex ev-dana-webinar
expect_touch globex ev-dana-pricing
expect_no_touch initech ev-dana-webinar
expect_no_touch initech ev-dana-pricing
[ "$(rcli HGET "$PREFIX:{0}:account:globex" ver)" != "" ] || fail "globex's state was never written"

sort <(released_ids) <(scheduled_ids) >"$TMP/live"
replay_ids "$TMP/events.jsonl" >"$TMP/replay"
diff "$TMP/replay" "$TMP/live" >/dev/null || fail "live ids differ from replay: $(diff "$TMP/replay" "$TMP/live" | head)"
echo "ok: each account has its own touchpoints, live as in replay ($(wc -l <"$TMP/live") actions)"
