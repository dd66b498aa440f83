#!/usr/bin/env bash
# Installs what a fresh machine lacks to build taskhost (Debian/Ubuntu; Swift itself must be on PATH).
set -euo pipefail
need=()
# python3: the benchmark harness controllers (Benchmarks/run-peers.sh, smoke-run by CI).
for package in libsqlite3-dev sqlite3 gcc python3; do
  dpkg -s "$package" >/dev/null 2>&1 || need+=("$package")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}"
fi
command -v swift >/dev/null || { echo "setup: swift is not on PATH (expected Swift 6.3 at /opt/swift/usr/bin)" >&2; exit 1; }
