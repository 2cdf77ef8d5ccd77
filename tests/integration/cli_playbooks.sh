#!/usr/bin/env bash
# The playbooks the project ships, and the one the README shows, pass their own tests; a
# Japanese `because` survives replay
# byte for byte; `nurture check` turns away broken playbooks and names the file and line.
set -euo pipefail
: "${NURTURE_BIN:?}" "${NURTURE_SOURCE_DIR:?}"
SRC=$NURTURE_SOURCE_DIR
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cli_playbooks.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. Each shipped playbook passes its own tests, and has some; so does the README's example
#    (its indented lines under "Writing a playbook").
mkdir "$TMP/readme"
awk '/^## Writing a playbook/ { f = 1; next } /^## / { f = 0 } f && /^    / { sub(/^    /, ""); print }' \
    "$SRC/README.md" >"$TMP/readme/example.lua"
[ -s "$TMP/readme/example.lua" ] || fail "no playbook example found in the README"
for dir in "$SRC/rules" "$SRC/examples/playbook-ja" "$TMP/readme"; do
    "$NURTURE_BIN" check "$dir" >/dev/null || fail "nurture check refuses $dir"
    out=$("$NURTURE_BIN" test "$dir") || fail "nurture test $dir: $out"
    summary=$(tail -1 <<<"$out")
    [[ $summary =~ ^([0-9]+)\ passed,\ 0\ failed$ ]] || fail "nurture test $dir ended with: $summary"
    [ "${BASH_REMATCH[1]}" -gt 0 ] || fail "$dir has no tests"
    echo "ok: $dir: $summary"
done

# 2. Replay of the Japanese playbook keeps its Japanese reasons intact (UTF-8, not escaped).
sentence='関心が低いのではなく、不安なのだ。同じ業種で同じ不安を乗り越えたお客様の話が、どんな機能一覧よりも効く'
"$NURTURE_BIN" replay --rules "$SRC/examples/playbook-ja" \
    --events "$SRC/examples/playbook-ja/events.jsonl" >"$TMP/actions.jsonl" 2>"$TMP/replay.err" ||
    fail "replay of the Japanese playbook failed: $(cat "$TMP/replay.err")"
grep -qF "\"because\":\"$sentence\"" "$TMP/actions.jsonl" ||
    fail "the Japanese because did not survive replay: $(head -3 "$TMP/actions.jsonl")"
grep -q '"stage":"情報収集"' "$TMP/actions.jsonl" || fail "the Japanese stage name did not survive replay"
grep -q ' 0 rule errors' "$TMP/replay.err" || fail "replay reported rule errors: $(cat "$TMP/replay.err")"
echo "ok: Japanese reasons survive replay byte for byte"

# 3. `nurture check` refuses broken copies of the Japanese playbook with file:line.
#    broken NAME FILE LINE EXPECTED-TEXT SED-EXPRESSION: breaks FILE (at LINE) with SED and
#    expects "FILE:LINE:" and EXPECTED-TEXT in the error.
broken() {
    local name=$1 file=$2 line=$3 expected=$4 expr=$5 dir="$TMP/$1" status=0 out
    cp -r "$SRC/examples/playbook-ja" "$dir"
    sed -i "$expr" "$dir/$file"
    cmp -s "$dir/$file" "$SRC/examples/playbook-ja/$file" && fail "$name: the sed did not change $file"
    out=$("$NURTURE_BIN" check "$dir" 2>&1) || status=$?
    [ "$status" -ne 0 ] || fail "$name: nurture check accepted it: $out"
    grep -qF "$dir/$file:$line:" <<<"$out" || fail "$name: no $file:$line in: $out"
    grep -qF "$expected" <<<"$out" || fail "$name: no '$expected' in: $out"
    echo "ok: check refuses $name: $out"
}
line_of() { grep -nF -- "$2" "$SRC/examples/playbook-ja/$1" | head -1 | cut -d: -f1; }

l=$(line_of 40_actions.lua 'because = "価格で迷っている')
broken syntax-error 40_actions.lua "$l" "unexpected symbol" "${l}s/because = /because = = /"
l=$(line_of 30_stage_rules.lua 'advance "bought" {')
broken unknown-stage 30_stage_rules.lua "$l" "unknown stage '導人'" 's/to = "導入",/to = "導人",/'
l=$(line_of 40_actions.lua 'act "teach_the_problem" {')
broken unknown-content 40_actions.lua "$l" "unknown content 'intro-artcle'" 's/content = "intro-article"/content = "intro-artcle"/'
l=$(line_of 40_actions.lua 'act "explain_the_pricing" {')
broken bad-duration 40_actions.lua "$l" "after" 's/after = "30m"/after = "30 minutes"/'
l=$(line_of 20_mind.lua 'state "curiosity"')
broken bad-half-life 20_mind.lua "$l" "half_life" 's/half_life = "14d"/half_life = "two weeks"/'
