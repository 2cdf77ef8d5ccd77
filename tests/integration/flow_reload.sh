#!/usr/bin/env bash
# SIGHUP reload: a broken playbook is refused with file:line while the engine keeps serving
# with the old one; a good one is swapped in; actions already scheduled keep the version (and
# reasoning) that decided them.
. "$(dirname "$0")/lib.sh"

cp -r "$NURTURE_SOURCE_DIR/tests/integration/playbooks/reload" "$TMP/rules"
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
event() { printf '{"id":"%s","contact":"r1","type":"page_view","at":"%s"}\n' "$1" "$now"; }
old_version=$("$NURTURE_BIN" check "$TMP/rules" | sed -E 's/.*version ([0-9a-f]+).*/\1/')
# Waits up to ~10 s for a line matching PATTERN in the engine log: a reload loads and tests
# the playbook, which takes longer on a busy machine.
wait_log() {
    for _ in $(seq 1 100); do
        grep -q "$1" "$TMP/engine.log" && return 0
        sleep 0.1
    done
    return 1
}

start_engine "$TMP/rules"
event e1 >"$TMP/e1.jsonl"
push "$TMP/e1.jsonl"
wait_settled

# A syntax error: refused, the old playbook keeps serving.
echo 'act "broken" {' >>"$TMP/rules/hello.lua"
kill -HUP "$ENGINE_PID"
wait_log "reload refused, keeping playbook version $old_version: .*hello.lua:[0-9]*:" ||
    fail "no refusal with file:line in the log"
event e2 >"$TMP/e2.jsonl"
push "$TMP/e2.jsonl"
wait_settled
kill -0 "$ENGINE_PID" || fail "engine died on a broken playbook"

# A playbook whose own test fails: refused too.
sed -i '/act "broken"/d' "$TMP/rules/hello.lua"
cat >"$TMP/rules/tests.lua" <<'LUA'
test "a page view schedules a hello a day later" {
  events = { { "page_view" } },
  expect = { { content = "hello", after = "2d" } },
}
LUA
kill -HUP "$ENGINE_PID"
wait_log "playbook test failed: .*tests.lua:1: a page view schedules a hello a day later: expected content hello due" ||
    fail "no failed playbook test in the log"
wait_log "reload refused, keeping playbook version $old_version: the new playbook fails its own tests" ||
    fail "a playbook failing its tests was not refused"
sed -i 's/after = "2d"/after = "1d"/' "$TMP/rules/tests.lua"

# A good change: swapped in.
sed -i 's/version one/version two/' "$TMP/rules/hello.lua"
new_version=$("$NURTURE_BIN" check "$TMP/rules" | sed -E 's/.*version ([0-9a-f]+).*/\1/')
[ "$new_version" != "$old_version" ] || fail "the version hash did not change"
kill -HUP "$ENGINE_PID"
wait_log "reloaded playbook .*: version $old_version -> $new_version" ||
    fail "no reload line in the log"
event e3 >"$TMP/e3.jsonl"
push "$TMP/e3.jsonl"
wait_settled
stop_engine

"$NURTURE_BIN" scheduled --redis "$URL" --prefix "$PREFIX" >"$TMP/scheduled"
[ "$(wc -l <"$TMP/scheduled")" = 3 ] || fail "expected 3 scheduled actions, got $(wc -l <"$TMP/scheduled")"
[ "$(grep -c "\"playbook\":\"$old_version\".*\"because\":\"version one\"" "$TMP/scheduled")" = 2 ] ||
    fail "actions decided before the reload must keep the old version"
[ "$(grep -c "\"playbook\":\"$new_version\".*\"because\":\"version two\"" "$TMP/scheduled")" = 1 ] ||
    fail "the action decided after the reload must carry the new version"
echo "ok: broken playbook refused, old kept serving, good one swapped in"
