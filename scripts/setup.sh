#!/usr/bin/env bash
# Installs the Debian packages nurture needs when they are missing (as root, or through sudo).
#   scripts/setup.sh            what building and running need
#   scripts/setup.sh --tests    and what the tests need too
set -euo pipefail

packages=(build-essential cmake pkg-config liblua5.4-dev libuv1-dev libhiredis-dev
          libcjson-dev libhttp-parser-dev libcmocka-dev libjemalloc-dev redis-server redis-tools)
if [ "${1:-}" = "--tests" ]; then
    packages+=(valgrind curl)
    packages+=(prometheus)                                # its promtool checks /metrics
    packages+=(chromium fonts-ipafont-gothic zlib1g-dev) # the journey map is rendered (cli_map)
fi
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}" >&2
as_root=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "run as root, or install: ${missing[*]}" >&2; exit 1; }
    as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
