#!/usr/bin/env bash
# `nurture explain` over the sample events shows, for the worried reader, the chain from
# touchpoints to mind to stage to actions, with the rules and their reasons.
set -euo pipefail
: "${NURTURE_BIN:?}" "${NURTURE_SOURCE_DIR:?}"
out=$("$NURTURE_BIN" explain --rules "$NURTURE_SOURCE_DIR/rules" \
      --events "$NURTURE_SOURCE_DIR/examples/events.jsonl" --contact aiko@acme-robotics.example)
fail() { echo "FAIL: $*" >&2; echo "$out" >&2; exit 1; }
for expected in \
    'page_view  (ev-aiko-05 from site)' \
    'mind    anxiety +0.60 by faq_loop_means_worry: Read the FAQ three times in a week' \
    'anxiety 0.17 -> 0.87' \
    'stage   unaware -> researching by looks_at_the_offer' \
    'action  SEND email "How a mid-size manufacturer' \
    'because Worried, not uninterested' \
    'read anxiety = 0.87' \
    'read fact industry = "manufacturing"' \
    'action  TASK for inside_sales' \
    '6 touchpoints, 2 actions'; do
    grep -qF -- "$expected" <<<"$out" || fail "explain lacks: $expected"
done
status=0
"$NURTURE_BIN" explain --rules "$NURTURE_SOURCE_DIR/rules" \
    --events "$NURTURE_SOURCE_DIR/examples/events.jsonl" --contact nobody >/dev/null 2>&1 || status=$?
[ "$status" = 1 ] || fail "explain of an unknown contact exited $status"
echo "ok: explain shows touchpoints -> mind -> stage -> actions"

# replay --facts: the facts a CRM holds change what the worried reader is sent; --all marks
# what was held back.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in 1 2 3; do
    printf '{"id":"z%d","contact":"zed@zeta.example","type":"page_view","at":"2026-03-0%dT10:00:00Z","props":{"page_type":"faq"}}\n' "$i" "$((i + 1))"
done >"$tmp/events.jsonl"
echo '{"contact":"zed@zeta.example","industry":"healthcare"}' >"$tmp/facts.jsonl"
with_facts=$("$NURTURE_BIN" replay --rules "$NURTURE_SOURCE_DIR/rules" --events "$tmp/events.jsonl" \
             --facts "$tmp/facts.jsonl" 2>/dev/null)
without=$("$NURTURE_BIN" replay --rules "$NURTURE_SOURCE_DIR/rules" --events "$tmp/events.jsonl" 2>/dev/null)
grep -q '"content":{"id":"story-healthcare"' <<<"$with_facts" || fail "--facts did not reach the rules: $with_facts"
grep -q '"content":{"id":"story-general"' <<<"$without" || fail "without facts the general story was expected: $without"
echo "ok: replay --facts"
