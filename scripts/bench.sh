#!/usr/bin/env bash
# Benchmarks one `nurture run` against the limit of this machine, with the reference playbook.
#
#   scripts/bench.sh [--events N] [--runs K] [--latency-s S] [--latency-rate R] [--seed S]
#                    [--batch B] [--work-dir DIR] [--build-dir DIR] [--keep]
#   scripts/bench.sh --smoke      a tiny workload in seconds, for CI; asserts nothing about time
#
# It builds into build/ (unless --build-dir names a built tree), starts a private redis-server
# on a free loopback port, generates a synthetic B2B workload (tests/bench/gen_events.c) and,
# K times over a fresh Redis:
#   1. loads N events as a backlog (pipelined XADD), runs the engine on it and measures the
#      events/s from the first read to the last ack (XINFO GROUPS entries-read and pending);
#   2. measures the Redis memory the engine's keys take per contact (INFO used_memory);
#   3. drives a paced producer at half that rate (or at R events/s with --latency-rate, to
#      compare latency at one rate across runs and commits) and measures XADD -> commit
#      latency (the keyspace notification of each event's seen-mark, written by the commit
#      function), the CPU per event, and the share of states the engine fetched from Redis
#      (its nurture_states_total); then the same producer with no engine, for its own share
#      of Redis's CPU;
#   4. reads the engine's peak RSS (VmHWM);
#   5. runs the Redis-only reference (tests/bench/redis_reference.c): the engine's command mix
#      (states, account states, actions and held-back records of the sizes and rates just
#      measured) on the same key layout and function library, with no rule work, on a
#      reloaded backlog; then live, under the same paced producer at the same rate, for the
#      latency of the command mix alone beside the engine's, and for the least a consumer
#      can do (set each event's seen-mark and ack it): the latency of the producer, Redis,
#      the listener and the machine's scheduling alone;
#   6. times `nurture replay` over the same events file (no Redis).
# The summary prints the median of each figure over the K runs, with min and max.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

events=1000000
runs=3
latency_s=10
latency_rate=
seed=42
batch=256
smoke=0
keep=0
work_dir=
build_dir=

usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case $1 in
    --events) events=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --latency-s) latency_s=$2; shift 2 ;;
    --latency-rate) latency_rate=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --work-dir) work_dir=$2; shift 2 ;;
    --build-dir) build_dir=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --smoke) smoke=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
done
if [ "$smoke" = 1 ]; then
    events=3000
    runs=1
    latency_s=2
    # Its backlog drains in a fraction of a second: half that rate would say little.
    latency_rate=${latency_rate:-1000}
fi

if [ -z "$build_dir" ]; then
    scripts/build.sh build
    build_dir=$root/build
fi
bin=$build_dir
gen=$bin/tests/bench/bench-gen
client=$bin/tests/bench/bench-client
reference=$bin/tests/bench/bench-redis-ref
for tool in "$bin/nurture" "$gen" "$client" "$reference"; do
    [ -x "$tool" ] || { echo "bench: $tool is not built" >&2; exit 1; }
done

if [ -z "$work_dir" ]; then
    work_dir=$(mktemp -d /tmp/nurture-bench.XXXXXX)
else
    rm -rf "$work_dir"
    mkdir -p "$work_dir"
fi
results=$work_dir/results
: >"$results"

# shellcheck source=lib/redis.sh
. scripts/lib/redis.sh
engine_pid=
watch_pid=
cleanup() {
    [ -z "$watch_pid" ] || kill "$watch_pid" 2>/dev/null || true
    if [ -n "$engine_pid" ]; then
        kill "$engine_pid" 2>/dev/null || true
        wait "$engine_pid" 2>/dev/null || true
    fi
    redis_stop
    [ "$keep" = 1 ] || [ "$smoke" = 1 ] || rm -rf "$work_dir"
}
trap cleanup EXIT

log() { printf 'bench: %s\n' "$*" >&2; }
rcli() { redis-cli -p "$REDIS_PORT" "$@"; }
used_memory() { rcli INFO memory | tr -d '\r' | sed -n 's/^used_memory:\([0-9]*\)$/\1/p'; }
# value KEY FILE: the value of a key=value line.
value() { sed -n "s/^$1=//p" "$2" | tail -1; }
record() { echo "run=$run $1=$2" >>"$results"; }
now_s() { date +%s.%N; }
# cpu_ticks PID: the user and system CPU time a process has used, in clock ticks.
cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
# The engine's count of states of KIND (contact or account) that came from SOURCE.
states() {
    curl -s --max-time 5 "http://$metrics_address/metrics" |
        sed -n "s/^nurture_states_total{kind=\"$1\",source=\"$2\"} //p"
}
# metrics_address LOG: where the engine (engine_pid) serves its metrics, from its log (it
# picks a free port); fails when the engine exits first or says nothing within 10 s.
metrics_address() {
    local address
    for _ in $(seq 1 100); do
        address=$(sed -nE 's/.*metrics: listening on ([0-9.]+:[0-9]+).*/\1/p' "$1")
        [ -n "$address" ] && { echo "$address"; return 0; }
        kill -0 "$engine_pid" 2>/dev/null || break
        sleep 0.1
    done
    log "the engine did not start: $(tail -3 "$1")"
    return 1
}
# The counts of KIND's states by source: "cache previous_batch redis new" (no "new" before
# the filter of stored states: 0).
state_sources() {
    local new
    new=$(states "$1" new)
    echo "$(states "$1" cache) $(states "$1" previous_batch) $(states "$1" redis) ${new:-0}"
}
# share_pct BEFORE AFTER COLUMN: percent of the states from source COLUMN (3 redis, 4 new)
# between two state_sources readings.
share_pct() {
    awk -v a="$1" -v b="$2" -v c="$3" 'BEGIN { split(a, x, " "); split(b, y, " ");
        total = 0; for (i = 1; i <= 4; i++) total += y[i] - x[i];
        printf "%.1f", total ? (y[c] - x[c]) * 100 / total : 0 }'
}
# per_event TICKS EVENTS: CPU microseconds per event.
per_event() {
    awk -v t="$1" -v n="$2" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", n ? t * 1e6 / hz / n : 0 }'
}

# ---- the workload --------------------------------------------------------------------------

live=$((events / 2))
[ "$live" -gt 200000 ] && live=200000
[ "$live" -lt 1000 ] && live=1000
log "generating $events backlog events (+$live live) with seed $seed"
"$gen" --events "$events" --live "$live" --seed "$seed" --out "$work_dir/backlog.jsonl" \
    --live-out "$work_dir/live.jsonl" --stats "$work_dir/gen.stats"
contacts=$(value contacts "$work_dir/gen.stats")

redis_start "$work_dir/redis"
redis_version=$(rcli INFO server | tr -d '\r' | sed -n 's/^redis_version://p')
log "redis-server $redis_version on port $REDIS_PORT"

fresh_backlog() {
    rcli FLUSHALL SYNC >/dev/null
    rcli FUNCTION FLUSH SYNC >/dev/null
    "$client" load --port "$REDIS_PORT" --stream nurture:events --file "$work_dir/backlog.jsonl" \
        >"$work_dir/load.out"
}

# Waits until no released action is overdue, so the scheduler's catch-up is not measured as
# latency; gives up after 30 s.
wait_scheduler_idle() {
    local i due
    for i in $(seq 1 300); do
        due=$(rcli ZCOUNT 'nurture:{0}:due' -inf "$(date +%s%3N)")
        [ "$due" = 0 ] && return 0
        sleep 0.1
    done
}

# The commit-weighted mean size of the stored states (each commit writes the whole state) and
# the mean MEMORY USAGE of a contact's hash, over a sample of up to 500 contacts. The history
# rows are a text beside the hash (sample_rows).
sample_states() {
    rcli --scan --pattern 'nurture:{0}:contact:*' | head -500 \
        | awk '{ printf "HGET %s ver\nHSTRLEN %s state\nMEMORY USAGE %s\n", $0, $0, $0 }' \
        | rcli | awk 'NR % 3 == 1 { v = $1 } NR % 3 == 2 { s = $1 } NR % 3 == 0 {
              n++; sw += s * v; w += v; mem += $1 }
              END { if (n == 0 || w == 0) { print "0 0"; exit }
                    printf "%d %d\n", sw / w, mem / n }'
}

# Mean size of the rows in the texts named by PATTERN (rows are separated by "],["), and mean
# MEMORY USAGE of such a text, over up to 200 texts.
sample_rows() {
    local texts
    texts=$({ rcli --scan --pattern "$1" || true; } | head -200)
    [ -n "$texts" ] || { echo "0 0"; return; }
    local row_bytes text_bytes
    row_bytes=$(echo "$texts" | awk '{ printf "GET %s\n", $0 }' | rcli --raw \
        | awk '/^\[/ { rows += 1 + gsub(/\],\[/, "&"); b += length($0) }
               END { printf "%d\n", rows ? b / rows : 0 }')
    text_bytes=$(echo "$texts" | awk '{ printf "MEMORY USAGE %s\n", $0 }' | rcli \
        | awk '{ n++; b += $1 } END { printf "%d\n", n ? b / n : 0 }')
    echo "$row_bytes $text_bytes"
}

# Mean size of the held-back records over the first 200 of them.
sample_held_bytes() {
    rcli --raw XRANGE 'nurture:{0}:held' - + COUNT 200 \
        | awk '/^\{/ { n++; b += length($0) } END { printf "%d\n", n ? b / n : 300 }'
}

# Mean size of the action JSON over the first 200 released actions.
sample_action_bytes() {
    rcli --raw XRANGE nurture:actions - + COUNT 200 \
        | awk '/^\{/ { n++; b += length($0) } END { printf "%d\n", n ? b / n : 1500 }'
}

# ---- the runs ------------------------------------------------------------------------------

for run in $(seq 1 "$runs"); do
    log "run $run/$runs: loading the backlog"
    fresh_backlog
    record load_per_s "$(value load_per_s "$work_dir/load.out")"
    mem_before=$(used_memory)

    log "run $run/$runs: engine on the backlog"
    redis_ticks=$(cpu_ticks "$REDIS_PID")
    # The watcher polls before the engine starts, so it sees the first read however soon
    # the engine drains the backlog.
    "$client" watch --port "$REDIS_PORT" --stream nurture:events --group nurture \
        --total "$events" --timeout 3600 >"$work_dir/watch.out" &
    watch_pid=$!
    "$bin/nurture" run --redis "redis://127.0.0.1:$REDIS_PORT" --rules "$root/rules" \
        --consumer bench --batch "$batch" --log-level info \
        --metrics 127.0.0.1:0 >"$work_dir/engine.$run.log" 2>&1 &
    engine_pid=$!
    metrics_address=$(metrics_address "$work_dir/engine.$run.log")
    wait "$watch_pid"
    watch_pid=
    run_per_s=$(value run_per_s "$work_dir/watch.out")
    record engine_per_s "$run_per_s"
    record backlog_engine_us "$(per_event "$(cpu_ticks "$engine_pid")" "$events")"
    record backlog_redis_us "$(per_event $(($(cpu_ticks "$REDIS_PID") - redis_ticks)) "$events")"
    record engine_seconds "$(value run_seconds "$work_dir/watch.out")"
    wait_scheduler_idle
    mem_after=$(used_memory)
    record redis_bytes_per_contact $(((mem_after - mem_before) / contacts))
    read -r state_bytes hash_bytes < <(sample_states)
    record state_json_bytes "$state_bytes"
    record contact_hash_bytes "$hash_bytes"
    read -r row_bytes history_bytes < <(sample_rows 'nurture:{0}:history:*')
    record history_text_bytes "$history_bytes"
    read -r account_row_bytes _ < <(sample_rows 'nurture:{0}:account_touches:*')
    actions=$(($(rcli XLEN nurture:actions) + $(rcli HLEN 'nurture:{0}:scheduled')))
    record actions "$actions"
    action_bytes=$(sample_action_bytes)
    # entries-added, not XLEN: the stream is capped, the count of records is not.
    held=$(rcli XINFO STREAM 'nurture:{0}:held' | awk 'prev == "entries-added" { print; exit } { prev = $0 }')
    [ -n "$held" ] || held=0
    record held_records "$held"
    held_bytes=$(sample_held_bytes)

    rate=${latency_rate:-$((run_per_s / 2))}
    log "run $run/$runs: latency at $rate events/s for ${latency_s}s"
    engine_ticks=$(cpu_ticks "$engine_pid")
    redis_ticks=$(cpu_ticks "$REDIS_PID")
    contacts_before=$(state_sources contact)
    accounts_before=$(state_sources account)
    rcli CONFIG RESETSTAT >/dev/null # for the functions' time in INFO commandstats
    if ! "$client" latency --port "$REDIS_PORT" --stream nurture:events \
        --file "$work_dir/live.jsonl" --rate "$rate" --seconds "$latency_s" --timeout 30 \
        >"$work_dir/latency.out"; then
        log "run $run/$runs: some live events were not committed in time"
    fi
    engine_ticks=$(($(cpu_ticks "$engine_pid") - engine_ticks))
    redis_ticks=$(($(cpu_ticks "$REDIS_PID") - redis_ticks))
    for key in latency_rate latency_p50_ms latency_p99_ms latency_max_ms latency_sent latency_committed; do
        record "$key" "$(value "$key" "$work_dir/latency.out")"
    done
    sent=$(value latency_sent "$work_dir/latency.out")
    record live_engine_us "$(per_event "$engine_ticks" "$sent")"
    record live_redis_us "$(per_event "$redis_ticks" "$sent")"
    # How busy Redis was at this rate, and the mean time of a function call (the commits,
    # and the scheduler's releases) in it.
    record live_redis_busy_pct "$(awk -v us="$(per_event "$redis_ticks" "$sent")" \
        -v r="$(value latency_rate "$work_dir/latency.out")" \
        'BEGIN { printf "%.1f", us * r / 1e4 }')"
    record live_fcall_us "$(rcli INFO commandstats | tr -d '\r' |
        sed -n 's/^cmdstat_fcall:.*usec_per_call=\([0-9.]*\).*/\1/p')"
    contacts_after=$(state_sources contact)
    accounts_after=$(state_sources account)
    record live_contacts_fetched_pct "$(share_pct "$contacts_before" "$contacts_after" 3)"
    record live_accounts_fetched_pct "$(share_pct "$accounts_before" "$accounts_after" 3)"
    record live_contacts_new_pct "$(share_pct "$contacts_before" "$contacts_after" 4)"
    record live_accounts_new_pct "$(share_pct "$accounts_before" "$accounts_after" 4)"
    record engine_rss_kib "$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/$engine_pid/status)"
    kill -TERM "$engine_pid"
    wait "$engine_pid" || log "run $run/$runs: the engine exited with $?"
    engine_pid=

    # The same paced producer with no engine: its XADDs alone are a share of Redis's live CPU.
    log "run $run/$runs: the producer alone at $rate events/s"
    redis_ticks=$(cpu_ticks "$REDIS_PID")
    "$client" latency --port "$REDIS_PORT" --stream bench:producer-only \
        --file "$work_dir/live.jsonl" --rate "$rate" --seconds "$latency_s" --timeout 0 \
        >"$work_dir/producer.out" || true
    record producer_redis_us "$(per_event $(($(cpu_ticks "$REDIS_PID") - redis_ticks)) \
        "$(value latency_sent "$work_dir/producer.out")")"
    rcli DEL bench:producer-only >/dev/null

    log "run $run/$runs: Redis-only reference (state $state_bytes B, $actions actions, $held held)"
    fresh_backlog
    # Per million events, so a rate like 0.77 per event is not rounded to 1.
    action_rate=$((actions * 1000000 / events))
    held_rate=$((held * 1000000 / events))
    "$reference" --port "$REDIS_PORT" --functions "$root/engine/shell/redis_functions.lua" \
        --total "$events" --batch "$batch" --state-bytes "$state_bytes" \
        --action-rate "$action_rate" \
        --action-bytes "$action_bytes" --held-rate "$held_rate" --held-bytes "$held_bytes" \
        --row-bytes "$row_bytes" --account-row-bytes "$account_row_bytes" \
        >"$work_dir/reference.out"
    ref_per_s=$(value ref_per_s "$work_dir/reference.out")
    record reference_per_s "$ref_per_s"
    record ratio_pct "$(awk -v e="$run_per_s" -v r="$ref_per_s" 'BEGIN { printf "%.1f", 100 * e / r }')"

    # The reference's latency: the same producer and listener at the same rate, with the
    # reference consuming live as the engine did, so the engine's p99 has a floor beside it.
    log "run $run/$runs: Redis-only reference, latency at $rate events/s"
    "$reference" --port "$REDIS_PORT" --functions "$root/engine/shell/redis_functions.lua" \
        --block 1000 --first-sequence "$events" --batch "$batch" --state-bytes "$state_bytes" \
        --action-rate "$action_rate" \
        --action-bytes "$action_bytes" --held-rate "$held_rate" --held-bytes "$held_bytes" \
        --row-bytes "$row_bytes" --account-row-bytes "$account_row_bytes" \
        >"$work_dir/reference-live.out" &
    reference_pid=$!
    if ! "$client" latency --port "$REDIS_PORT" --stream nurture:events \
        --file "$work_dir/live.jsonl" --rate "$rate" --seconds "$latency_s" --timeout 30 \
        >"$work_dir/reference-latency.out"; then
        log "run $run/$runs: some live events were not committed in time by the reference"
    fi
    wait "$reference_pid" || log "run $run/$runs: the reference exited with $?"
    for key in p50_ms p99_ms; do
        record "reference_latency_$key" "$(value "latency_$key" "$work_dir/reference-latency.out")"
    done
    # The floor: a consumer that only sets each seen-mark and acks, on a group of its own
    # that starts at the stream's end.
    log "run $run/$runs: the least consumer, latency at $rate events/s"
    rcli XGROUP CREATE nurture:events floor '$' >/dev/null
    "$reference" --port "$REDIS_PORT" --functions "$root/engine/shell/redis_functions.lua" \
        --block 1000 --marks-only 1 --group floor --prefix floor --batch "$batch" \
        >"$work_dir/floor-live.out" &
    reference_pid=$!
    if ! "$client" latency --port "$REDIS_PORT" --stream nurture:events \
        --file "$work_dir/live.jsonl" --rate "$rate" --seconds "$latency_s" --timeout 30 \
        >"$work_dir/floor-latency.out"; then
        log "run $run/$runs: some live events were not marked in time by the least consumer"
    fi
    wait "$reference_pid" || log "run $run/$runs: the least consumer exited with $?"
    record floor_latency_p99_ms "$(value latency_p99_ms "$work_dir/floor-latency.out")"
    record latency_p99_ratio "$(awk -v e="$(value latency_p99_ms "$work_dir/latency.out")" \
        -v r="$(value latency_p99_ms "$work_dir/reference-latency.out")" \
        'BEGIN { printf "%.2f", (r > 0 ? e / r : 0) }')"

    log "run $run/$runs: replay"
    start=$(now_s)
    "$bin/nurture" replay --rules "$root/rules" --events "$work_dir/backlog.jsonl" \
        >/dev/null 2>"$work_dir/replay.err"
    record replay_per_s "$(awk -v n="$events" -v a="$start" -v b="$(now_s)" 'BEGIN { printf "%d", n / (b - a) }')"
done

# ---- the summary ---------------------------------------------------------------------------

# stat KEY: "median (min .. max)" over the runs.
stat() {
    sed -n "s/^run=[0-9]* $1=//p" "$results" | sort -g | awk '
        { v[NR] = $1 } END {
            if (NR == 0) { print "n/a"; exit }
            m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            if (NR == 1) printf "%s\n", m; else printf "%s (%s .. %s)\n", m, v[1], v[NR] }'
}
median() { stat "$1" | awk '{ print $1 }'; }

cat <<EOF

== nurture benchmark: $events events, $contacts contacts, $runs run(s), batch $batch, seed $seed
machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), Linux $(uname -r), Redis $redis_version
engine throughput (events/s)        $(stat engine_per_s)
redis-only reference (events/s)     $(stat reference_per_s)
engine / reference (%)              $(stat ratio_pct)
latency XADD->commit at $(median latency_rate)/s: p50 $(median latency_p50_ms) ms, p99 $(stat latency_p99_ms) ms, max $(median latency_max_ms) ms
  p50 (ms)                          $(stat latency_p50_ms)
  max (ms)                          $(stat latency_max_ms)
  committed / sent                  $(median latency_committed) / $(median latency_sent)
  reference, no rule work: p50 (ms)  $(stat reference_latency_p50_ms)
  reference p99 (ms)                $(stat reference_latency_p99_ms)
  engine p99 / reference p99        $(stat latency_p99_ratio)
  least consumer p99 (ms)           $(stat floor_latency_p99_ms)
CPU per event, backlog (us)
  engine                            $(stat backlog_engine_us)
  redis-server                      $(stat backlog_redis_us)
CPU per event, live (us)
  engine                            $(stat live_engine_us)
  redis-server                      $(stat live_redis_us)
    of which the producer's XADDs   $(stat producer_redis_us)
  redis-server busy (% of a core)   $(stat live_redis_busy_pct)
  a function call in Redis (us)     $(stat live_fcall_us)
live states fetched from Redis (%)
  contacts                          $(stat live_contacts_fetched_pct)
  accounts                          $(stat live_accounts_fetched_pct)
live states new, not fetched (%)
  contacts                          $(stat live_contacts_new_pct)
  accounts                          $(stat live_accounts_new_pct)
engine peak RSS (KiB)               $(stat engine_rss_kib)
redis bytes per contact             $(stat redis_bytes_per_contact)
  contact hash (MEMORY USAGE, B)    $(stat contact_hash_bytes)
  history rows (MEMORY USAGE, B)    $(stat history_text_bytes)
  stored state JSON (B, weighted)   $(stat state_json_bytes)
actions emitted                     $(median actions)
held-back records                   $(median held_records)
replay (events/s, no Redis)         $(stat replay_per_s)
backlog load, XADD pipelined (/s)   $(stat load_per_s)
EOF
[ "$smoke" = 1 ] && echo "bench: smoke run complete (timings not asserted)"
exit 0
