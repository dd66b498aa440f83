#!/usr/bin/env bash
# The main job on a fresh machine: set up, build, install the example plugins, start the host,
# run a few tasks through it, show what happened, and stop the host (its state stays in ./.taskhost).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/install-examples.sh
taskhost="$(swift build --show-bin-path)/taskhost"
export TASKHOST_HOME="${TASKHOST_HOME:-$PWD/.taskhost}"

started=""
if ! "$taskhost" list --limit 1 >/dev/null 2>&1 || [ ! -S "$TASKHOST_HOME/taskhost.sock" ]; then
  "$taskhost" serve --plugins plugins.d >"$TASKHOST_HOME.log" 2>&1 &
  started=$!
  trap '[ -n "$started" ] && kill -TERM "$started" 2>/dev/null; wait "$started" 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do [ -S "$TASKHOST_HOME/taskhost.sock" ] && grep -q workers "$TASKHOST_HOME.log" && break; sleep 0.1; done
  cat "$TASKHOST_HOME.log"
fi

echo "== task types"
"$taskhost" types
echo "== starting tasks"
tree=$("$taskhost" start hash-tree -p path="$PWD/Sources" --name hash-sources)
nap=$("$taskhost" start sleep -p seconds=2 --name nap --priority 5)
flaky=$("$taskhost" start flaky -p failures=1 --retries 2 --name flaky)
"$taskhost" wait "$tree"
"$taskhost" wait "$nap"
"$taskhost" wait "$flaky"
echo "== tasks"
"$taskhost" list
echo "== the flaky task: failed once, retried, finished"
"$taskhost" show "$flaky"
