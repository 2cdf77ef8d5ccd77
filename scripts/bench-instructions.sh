#!/usr/bin/env bash
# Counts the instructions the engine, Redis and replay spend on a small workload, with
# valgrind's callgrind: unlike wall-clock figures on a shared machine, the counts repeat to
# within a fraction of a percent, so two versions of a hot path can be compared.
#
#   scripts/bench-instructions.sh [--events N] [--base REV]
#
# It generates N events (default 20,000, seed 42, with 5N more generated after them and left
# out, so that contacts have few events each, as in live traffic) and, for the working tree
# and, with --base, for commit REV (built in a temporary worktree), counts:
#   - replay: `nurture replay` over the events;
#   - engine, live-like: `nurture run --batch 4` draining them from a private redis-server
#     (a few contacts per batch, as live events come);
#   - engine, backlog: the same with `--batch 256`;
#   - engine, reading states: the backlog drain with `--cache 64`, so that most events read
#     their contact's and account's state and rows from Redis (all contacts of the workload
#     fit in the default cache);
#   - Redis, live-like: the redis-server serving the live-like drain.
# The program being counted runs under callgrind (about 50 times slower); the other side
# runs normally. Expect a few minutes per tree. Prints one line per figure, in millions of
# instructions, with the change against the base.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
. scripts/lib/redis.sh

events=20000
base=
while [ $# -gt 0 ]; do
    case $1 in
    --events) events=$2; shift 2 ;;
    --base) base=$2; shift 2 ;;
    *) echo "usage: scripts/bench-instructions.sh [--events N] [--base REV]" >&2; exit 2 ;;
    esac
done
command -v valgrind >/dev/null || { echo "bench-instructions: valgrind is needed" >&2; exit 1; }

work=$(mktemp -d /tmp/nurture-instructions.XXXXXX)
engine_pid=
cleanup() {
    [ -n "$engine_pid" ] && kill -TERM "$engine_pid" 2>/dev/null || true
    redis_stop
    [ -n "$base" ] && git worktree remove --force "$work/base" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
log() { echo "bench-instructions: $*" >&2; }

# The total that callgrind wrote into FILE.
total() { sed -n 's/^summary: *//p; s/^totals: *//p' "$1" | head -1; }

# drain TREE BATCH WHO [CACHE]: drains the workload with TREE's engine at BATCH (and --cache
# CACHE); WHO (engine or redis) runs under callgrind. Prints its instruction count.
drain() {
    local tree=$1 batch=$2 who=$3 cache=${4:-768} out="$work/cg.$RANDOM"
    local engine=(valgrind --tool=callgrind --callgrind-out-file="$out")
    if [ "$who" = redis ]; then
        engine=()
        local port
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            port=$((20000 + RANDOM % 40000))
            redis_port_is_free "$port" && break
        done
        mkdir -p "$work/redis"
        valgrind --tool=callgrind --callgrind-out-file="$out" redis-server --port "$port" \
            --bind 127.0.0.1 --save '' --appendonly no --dir "$work/redis" \
            >"$work/redis.log" 2>&1 &
        REDIS_PID=$!
        REDIS_PORT=$port
        for _ in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    else
        redis_start "$work/redis"
    fi
    "$tree/build/tests/bench/bench-client" load --port "$REDIS_PORT" --stream nurture:events \
        --file "$work/events.jsonl" >/dev/null
    "${engine[@]}" "$tree/build/nurture" run --redis "redis://127.0.0.1:$REDIS_PORT" \
        --rules "$tree/rules" --consumer count --batch "$batch" --cache "$cache" --log-level warn \
        >"$work/engine.log" 2>&1 &
    engine_pid=$!
    "$tree/build/tests/bench/bench-client" watch --port "$REDIS_PORT" --stream nurture:events \
        --group nurture --total "$events" --timeout 3600 >/dev/null
    kill -TERM "$engine_pid"
    wait "$engine_pid" || true
    engine_pid=
    if [ "$who" = redis ]; then
        redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
        wait "$REDIS_PID" || true
        REDIS_PID=
    else
        redis_stop
    fi
    total "$out"
}

# count TREE NAME: the five figures of TREE, as "NAME figure count" lines.
count() {
    local tree=$1 name=$2
    local out="$work/cg.replay.$name"
    log "$name: replay"
    valgrind --tool=callgrind --callgrind-out-file="$out" "$tree/build/nurture" replay \
        --rules "$tree/rules" --events "$work/events.jsonl" >/dev/null 2>&1
    echo "$name replay $(total "$out")"
    log "$name: engine, live-like drain"
    echo "$name engine_live $(drain "$tree" 4 engine)"
    log "$name: engine, backlog drain"
    echo "$name engine_backlog $(drain "$tree" 256 engine)"
    log "$name: engine, backlog drain reading states"
    echo "$name engine_fetching $(drain "$tree" 256 engine 64)"
    log "$name: Redis, live-like drain"
    echo "$name redis_live $(drain "$tree" 4 redis)"
}

scripts/build.sh build >/dev/null
build/tests/bench/bench-gen --events "$events" --live $((5 * events)) --seed 42 \
    --out "$work/events.jsonl" --live-out /dev/null --stats /dev/null >/dev/null
if [ -n "$base" ]; then
    git worktree add --detach "$work/base" "$base" >/dev/null 2>&1
    (cd "$work/base" && scripts/build.sh build >/dev/null)
    count "$work/base" base >"$work/counts"
fi
count "$root" current >>"$work/counts"

echo "== instructions (millions) for $events events, seed 42"
awk '
    { count[$1 " " $2] = $3; if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 } }
    END {
        for (i = 1; i <= n; i++) {
            f = order[i]; c = count["current " f]; b = count["base " f]
            if (b != "")
                printf "%-16s base %9.1f  current %9.1f  %+6.1f%%\n", f, b / 1e6, c / 1e6,
                       100 * (c - b) / b
            else
                printf "%-16s %9.1f\n", f, c / 1e6
        }
    }' "$work/counts"
