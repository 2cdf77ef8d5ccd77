#!/usr/bin/env bash
# ctest fixture: `redis_fixture.sh start DIR` starts a private redis-server on a free loopback
# port (port in DIR/port, PID in DIR/redis.pid); `redis_fixture.sh stop DIR` stops it by PID.
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib/redis.sh"
action=$1 dir=$2
case $action in
start)
    if [ -s "$dir/redis.pid" ]; then
        REDIS_PID=$(cat "$dir/redis.pid")
        redis_stop
    fi
    rm -rf "$dir"
    redis_start "$dir"
    echo "redis-server pid $REDIS_PID on 127.0.0.1:$REDIS_PORT"
    ;;
stop)
    [ -s "$dir/redis.pid" ] && REDIS_PID=$(cat "$dir/redis.pid")
    redis_stop
    ;;
esac
