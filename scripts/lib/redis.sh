# Starts and stops a private redis-server on a free loopback port. Sourced by the scripts.
#
#   redis_start DIR   starts one with its files in DIR; sets REDIS_PORT and REDIS_PID
#   redis_stop        stops it by PID and waits for it to exit

redis_port_is_free() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

redis_start() {
    local dir=$1 port attempt
    mkdir -p "$dir"
    for attempt in 1 2 3 4 5 6 7 8 9 10; do
        port=$((20000 + RANDOM % 40000))
        redis_port_is_free "$port" || continue
        rm -f "$dir/redis.pid"
        if redis-server --port "$port" --bind 127.0.0.1 --daemonize yes \
            --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
            --save '' --appendonly no >/dev/null 2>&1; then
            local waited
            for waited in $(seq 1 50); do
                if [ -s "$dir/redis.pid" ] && redis-cli -p "$port" ping >/dev/null 2>&1; then
                    REDIS_PORT=$port
                    REDIS_PID=$(cat "$dir/redis.pid")
                    echo "$REDIS_PORT" >"$dir/port"
                    return 0
                fi
                sleep 0.1
            done
        fi
    done
    echo "could not start redis-server (see $dir/redis.log)" >&2
    return 1
}

redis_stop() {
    [ -n "${REDIS_PID:-}" ] || return 0
    kill "$REDIS_PID" 2>/dev/null || true
    local waited
    for waited in $(seq 1 50); do
        kill -0 "$REDIS_PID" 2>/dev/null || break
        sleep 0.1
    done
    REDIS_PID=
}
