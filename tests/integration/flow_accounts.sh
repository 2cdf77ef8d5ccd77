#!/usr/bin/env bash
# An event that names no account goes to the account its contact already has, not to the
# domain of its e-mail address. Three people of account acme, each on a mail domain of their
# own, are named by the CRM; their pricing page views come from the site without an account.
# Only together, as acme, are they a buying committee: the engine (whose fresh start fetches
# them from Redis, and their account in a second round trip) and replay both engage it.
. "$(dirname "$0")/lib.sh"

person() { # NAME DOMAIN
    printf '{"id": "ev-%s-crm", "contact": "%s@%s.example", "account": "acme", "type": "identify", "at": "2026-02-02T09:00:00Z", "source": "crm", "props": {"industry": "software", "company_size": 400, "role": "marketing ops", "runs_ma": true, "segment": "mid_market"}}\n' "$1" "$1" "$2"
}
pricing() { # NAME DOMAIN HOUR
    printf '{"id": "ev-%s-web", "contact": "%s@%s.example", "type": "page_view", "at": "2026-02-03T%02d:00:00Z", "channel": "web", "source": "site", "props": {"page_type": "pricing", "url": "/pricing", "dwell_s": 200, "device": "desktop"}}\n' "$1" "$1" "$2" "$3"
}
{ person ann acme-corp; person bob acme-labs; person cy acme-holding; } >"$TMP/crm.jsonl"
{ pricing ann acme-corp 9; pricing bob acme-labs 10; pricing cy acme-holding 11; } >"$TMP/web.jsonl"

push "$TMP/crm.jsonl" >/dev/null
start_engine
wait_settled
stop_engine
push "$TMP/web.jsonl" >/dev/null # a fresh engine: the three come from Redis
start_engine
wait_settled
stop_engine

touches=$(rcli GET "$PREFIX:{0}:account_touches:acme")
for name in ann bob cy; do
    grep -q "\"ev-$name-web\"" <<<"$touches" || fail "ev-$name-web is not among acme's touches"
done
for domain in acme-corp acme-labs acme-holding; do
    [ "$(rcli EXISTS "$PREFIX:{0}:account:$domain.example")" = 0 ] ||
        fail "a page view went to the account of the domain $domain.example"
done

cat "$TMP/crm.jsonl" "$TMP/web.jsonl" >"$TMP/all.jsonl"
"$NURTURE_BIN" replay --rules "$RULES" --events "$TMP/all.jsonl" 2>/dev/null >"$TMP/replay.jsonl"
grep -q '"rule":"engage_the_buying_committee"' "$TMP/replay.jsonl" ||
    fail "replay did not engage acme's buying committee"
sort <(released_ids) <(scheduled_ids) >"$TMP/live"
replay_ids "$TMP/all.jsonl" >"$TMP/replay"
diff "$TMP/replay" "$TMP/live" >/dev/null || fail "live ids differ from replay: $(diff "$TMP/replay" "$TMP/live" | head)"
echo "ok: acme's three people are one buying committee, live and in replay ($(wc -l <"$TMP/live") actions)"
