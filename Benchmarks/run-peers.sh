#!/usr/bin/env bash
# taskhost through the reference harness (../shared/peers), side by side with huey,
# fastapi-taskflow and the naive baseline, plus taskhost's own figures.
#
#   bash Benchmarks/run-peers.sh            # full run: release build, all peers, ~45 min on 2 cores
#   SMOKE=1 bash Benchmarks/run-peers.sh    # seconds: taskhost only, small N, debug build (CI)
#
# Full-run output: Benchmarks/results/results.md (harness table incl. taskhost),
# Benchmarks/results/figures.json (taskhost-figures all).
set -euo pipefail
cd "$(dirname "$0")/.."
peers="${PEERS_DIR:-$(cd .. && pwd)/shared/peers}"
[ -d "$peers" ] || { echo "run-peers: the harness is not at $peers (set PEERS_DIR)" >&2; exit 1; }
configuration=release
[ "${SMOKE:-0}" = 1 ] && configuration=debug

swift build -c "$configuration"
bin="$(swift build -c "$configuration" --show-bin-path)"
# swift: taskhost as `taskhost serve` runs it (durability process, synchronous=NORMAL);
# swift-power: durability power (synchronous=FULL, an fsync per commit), what the Python peers use.
export PEERS_EXTRA="swift swift-power"
export PEERS_HOST_CMD_SWIFT="$bin/taskhost-peer"
export PEERS_INSPECT_CMD_SWIFT="$bin/taskhost-peer inspect"
export PEERS_HOST_CMD_SWIFT_POWER="env TASKHOST_DURABILITY=power $bin/taskhost-peer"
export PEERS_INSPECT_CMD_SWIFT_POWER="$bin/taskhost-peer inspect"

if [ "${SMOKE:-0}" = 1 ]; then
  # The controllers need only the Python standard library for the swift peer.
  python="${PYTHON:-python3}"
  check() {  # check SCRIPT ARGS...: one JSON line, no error, and what the workload must show
    local line
    line="$(cd "$peers" && timeout 120 "$python" "$@" --peer swift | tail -n 1)"
    echo "$line" | cut -c1-240
    "$python" - "$line" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
assert "error" not in r, r
w = r.get("workload")
if w == "W1": assert r["completed"] == r["n"] and r["duplicates"] == 0, r
if w == "W3": assert r.get("pending_lost", 0) == 0, r
if w == "W5": assert r["lost_total"] == 0 and r["duplicates_total"] == 0, r
PY
  }
  check w1_throughput.py --n 300
  check w2_latency.py --n 100 --rate 200
  check w3_recovery.py --finished 200 --pending 96 --quiet 1
  check w4_footprint.py --hold 50 --queued 500
  check w5_durability.py --n 300 --seed 1
  # Bounded: a hang here must fail the run, not eat CI's time limit.
  timeout 600 "$bin/taskhost-figures" all --smoke >/dev/null
  echo "benchmarks smoke: 6 passed, 0 failed"
  exit 0
fi

results="${PEERS_RESULTS:-$PWD/Benchmarks/results}"
mkdir -p "$results"
PEERS="${PEERS:-huey taskflow naive swift swift-power}" PEERS_RESULTS="$results" bash "$peers/run-all.sh"
"$bin/taskhost-figures" all > "$results/figures.json"
echo "wrote $results/results.md and $results/figures.json"
