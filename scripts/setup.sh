#!/usr/bin/env bash
# Installs the Debian packages nurture needs when they are missing (as root, or through sudo).
# prometheus is here for its promtool, which the metrics flow uses to check our output.
set -euo pipefail

packages=(build-essential cmake pkg-config liblua5.4-dev libuv1-dev libhiredis-dev
          libcjson-dev libcmocka-dev libhttp-parser-dev redis-server redis-tools valgrind
          prometheus curl)
packages+=(chromium fonts-ipafont-gothic zlib1g-dev) # the journey-map test renders pages (cli_map)
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
