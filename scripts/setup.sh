#!/usr/bin/env bash
# Sets up a fresh machine for passkey-migrate development: Debian packages (PostgreSQL, MariaDB, Chromium for
# the browser tests, tmux for the interactive test), npm
# dependencies (better-sqlite3 builds from source against the local Node headers), the project build, and the
# .NET tools in .config/dotnet-tools.json (dotnet-ef). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pkg in postgresql mariadb-server chromium tmux; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "setup: installing ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

echo "setup: npm ci"
npm ci --no-audit --no-fund --loglevel=error
echo "setup: dotnet tool restore"
dotnet tool restore >/dev/null
echo "setup: done"
