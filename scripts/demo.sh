#!/usr/bin/env bash
# The whole job on an embedded default: installs what is missing, builds, starts a private
# redis-server on a free loopback port, runs the engine with the reference playbook (rules/),
# pushes the sample events (examples/events.jsonl), and shows the actions it emitted with
# their reasons, as the example MA consumer receives them. Stops everything it started.
#   scripts/demo.sh [--json]     --json prints the raw action JSON instead
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/redis.sh

scripts/setup.sh
scripts/build.sh build
work=$(mktemp -d)
engine_pid=
cleanup() {
    [ -n "$engine_pid" ] && kill "$engine_pid" 2>/dev/null && wait "$engine_pid" 2>/dev/null
    redis_stop
    rm -rf "$work"
}
trap cleanup EXIT

redis_start "$work/redis"
url="redis://127.0.0.1:$REDIS_PORT"
echo "== redis-server on 127.0.0.1:$REDIS_PORT (pid $REDIS_PID)"
build/nurture check rules

build/nurture run --redis "$url" --rules rules --log-level warn --log-format text 2>"$work/engine.log" &
engine_pid=$!
build/nurture push --redis "$url" examples/events.jsonl

# Wait until the engine has settled every event: nothing pending, nothing left to read.
for _ in $(seq 1 100); do
    lag=$(redis-cli -p "$REDIS_PORT" XINFO GROUPS nurture:events 2>/dev/null |
          awk '/^pending$/{getline; p=$1} /^lag$/{getline; l=$1} END{print p+0+l}')
    [ "${lag:-1}" = 0 ] && break
    sleep 0.1
done
sleep 0.5   # the scheduler releases right after each batch

echo "== actions emitted to nurture:actions, as an MA system receives them"
build/ma-consumer --redis "$url" --idle-exit-ms 1000 "$@"

echo "== still scheduled (due later):"
build/nurture scheduled --redis "$url" | head -20
echo "== dead letters: $(redis-cli -p "$REDIS_PORT" XLEN nurture:dead)"
kill -TERM "$engine_pid"
wait "$engine_pid" && echo "== engine stopped cleanly (exit 0)"
engine_pid=
grep -v ' info ' "$work/engine.log" || true
