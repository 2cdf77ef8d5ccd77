#!/usr/bin/env bash
# `nurture map` and `nurture explain --html`: the reference playbook's journey map names every
# stage, the Japanese playbook's map carries its Japanese stage names, playbook and event text
# is escaped, and each page renders to a picture that is not blank in headless Chromium (the
# screenshot is decoded by png_ink). Chromium is required: when it is missing the script
# installs it (as root or through sudo) or fails; it never skips.
set -euo pipefail
: "${NURTURE_BIN:?}" "${NURTURE_SOURCE_DIR:?}" "${PNG_INK_BIN:?}"
src=$NURTURE_SOURCE_DIR
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

[ -x "$PNG_INK_BIN" ] || fail "png_ink was not built ($PNG_INK_BIN): install zlib1g-dev (scripts/setup.sh)"
if ! command -v chromium >/dev/null; then
    echo "chromium is missing: installing it" >&2
    as_root=()
    [ "$(id -u)" -eq 0 ] || as_root=(sudo -n)
    DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends \
        chromium fonts-ipafont-gothic >/dev/null ||
        fail "chromium is missing and could not be installed (run scripts/setup.sh as root)"
fi

# Renders file $1 to the PNG $2 and checks the picture shows something.
render() {
    local profile
    profile=$(mktemp -d "$tmp/profile.XXXXXX")
    timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$profile" --screenshot="$2" --window-size=1600,1000 "file://$1" \
        >"$tmp/chromium.log" 2>&1 || { cat "$tmp/chromium.log" >&2; fail "chromium failed on $1"; }
    [ -s "$2" ] || fail "chromium wrote no screenshot of $1"
    "$PNG_INK_BIN" "$2" 10 8 || fail "the screenshot of $1 is blank"
}

# Checks that file $1 contains each of the following fixed strings.
contains() {
    local file=$1
    shift
    for expected in "$@"; do
        grep -qF -- "$expected" "$file" || fail "$file lacks: $expected"
    done
}

# The reference playbook: every stage, the flow rows, the mind, the note; nothing fetched.
"$NURTURE_BIN" map --rules "$src/rules" --events "$src/examples/events.jsonl" -o "$tmp/map.html"
contains "$tmp/map.html" '<b>20</b> contacts' 'Reached' 'Moved forward' 'Went back' \
    'Stalled (14 days quiet)' 'Left (last seen here)' 'Most seen types' 'How to read this' \
    '<th class="row">anxiety</th>' 'Held back by ' 'Task (inside_sales): '
while read -r stage; do
    contains "$tmp/map.html" "<th>$stage</th>"
done < <(sed -n '/^stages {/,/^}/s/^ *"\([^"]*\)".*/\1/p' "$src/rules/00_stages.lua")
[ "$(grep -o '<th>[^<]*</th>' "$tmp/map.html" | wc -l)" -ge 9 ] || fail "fewer than 9 stage columns"
if grep -qiE '<script|<link|@import|url\((https?:)?//|src="https?:' "$tmp/map.html"; then
    fail "the map is not self-contained"
fi
render "$tmp/map.html" "$tmp/map.png"

# Filters: a segment by fact, an account.
"$NURTURE_BIN" map --rules "$src/rules" --events "$src/examples/events.jsonl" \
    --segment industry=finance -o "$tmp/finance.html"
contains "$tmp/finance.html" 'segment <b>industry = finance</b>'
grep -q '<b>20</b> contacts' "$tmp/finance.html" && fail "--segment did not filter"
"$NURTURE_BIN" map --rules "$src/rules" --events "$src/examples/events.jsonl" \
    --account acme-robotics -o "$tmp/acme.html"
contains "$tmp/acme.html" 'account <b>acme-robotics</b>' '<b>3</b> contacts'
status=0
"$NURTURE_BIN" map --rules "$src/rules" --events "$src/examples/events.jsonl" \
    --segment industry -o "$tmp/bad.html" 2>/dev/null || status=$?
[ "$status" = 2 ] || fail "--segment without a value exited $status"

# The Japanese playbook: its stage names, in UTF-8, in the page and in the picture.
"$NURTURE_BIN" map --rules "$src/examples/playbook-ja" \
    --events "$src/examples/playbook-ja/events.jsonl" -o "$tmp/ja.html"
contains "$tmp/ja.html" '<th>未認知</th>' '<th>課題認識</th>' '<th>情報収集</th>' \
    '<th>比較検討</th>' '<th>導入</th>' '<th>活用</th>' '<meta charset="utf-8">'
render "$tmp/ja.html" "$tmp/ja.png"

# explain --html: the worried reader's timeline, in stage bands, with the same chain as text.
"$NURTURE_BIN" explain --html --rules "$src/rules" --events "$src/examples/events.jsonl" \
    --contact aiko@acme-robotics.example -o "$tmp/aiko.html"
contains "$tmp/aiko.html" 'Contact timeline: aiko@acme-robotics.example' \
    '<li class="band"' '>researching<small>' 'faq_loop_means_worry' '0.17 &rarr; 0.87' \
    'How a mid-size manufacturer' 'held back by <b>cooldown</b>' '<b>6</b> touchpoints, <b>2</b> actions'
render "$tmp/aiko.html" "$tmp/aiko.png"
"$NURTURE_BIN" explain --html --rules "$src/rules" --events "$src/examples/events.jsonl" \
    --account acme-robotics -o "$tmp/acme-timeline.html"
contains "$tmp/acme-timeline.html" 'Account timeline: acme-robotics' 'aiko@acme-robotics.example'

# Escaping: markup in stage names, reasons, contact ids and event props stays text.
mkdir "$tmp/odd"
cat >"$tmp/odd/00_stages.lua" <<'LUA'
stages { "<i>first</i> & co", "second \"quoted\"" }
advance "moves" { on = "page_view", from = { "<i>first</i> & co" }, to = "second \"quoted\"",
                  because = "<b>bold</b> reason" }
LUA
printf '%s\n' '{"id":"e1","contact":"x<y>@z.example","type":"page_view","at":"2026-01-01T00:00:00Z","props":{"note":"<script>alert(1)</script>"}}' >"$tmp/odd.jsonl"
"$NURTURE_BIN" map --rules "$tmp/odd" --events "$tmp/odd.jsonl" -o "$tmp/odd-map.html"
"$NURTURE_BIN" explain --html --rules "$tmp/odd" --events "$tmp/odd.jsonl" \
    --contact 'x<y>@z.example' -o "$tmp/odd-explain.html"
for page in "$tmp/odd-map.html" "$tmp/odd-explain.html"; do
    contains "$page" '&lt;i&gt;first&lt;/i&gt; &amp; co' 'second &quot;quoted&quot;'
    if grep -qE '<i>first|<b>bold|<script>|x<y>' "$page"; then fail "$page holds unescaped text"; fi
done
contains "$tmp/odd-explain.html" '&lt;script&gt;' '&lt;b&gt;bold&lt;/b&gt; reason'
echo "ok: map and explain --html render the journey (stages, Japanese labels, escaping)"
