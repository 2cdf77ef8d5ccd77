#!/usr/bin/env bash
# Runs a test command with NURTURE_TEST_REDIS_PORT read from the fixture's folder.
#   with_redis.sh FIXTURE_DIR COMMAND [ARGS...]
set -euo pipefail
dir=$1
shift
NURTURE_TEST_REDIS_PORT=$(cat "$dir/port")
export NURTURE_TEST_REDIS_PORT
exec "$@"
