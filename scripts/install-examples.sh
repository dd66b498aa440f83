#!/usr/bin/env bash
# Builds taskhost and the example plugins, and installs the plugins into plugins.d/.
set -euo pipefail
cd "$(dirname "$0")/.."
configuration="${CONFIGURATION:-debug}"
swift build -c "$configuration"
bin="$(swift build -c "$configuration" --show-bin-path)"
mkdir -p plugins.d
for plugin in Sleep HashTree Flaky; do
  install -m 0644 "$bin/lib${plugin}Plugin.so" "plugins.d/lib${plugin}Plugin.so.tmp"
  # Rename into place: a running host's watcher never sees a half-copied file.
  mv -f "plugins.d/lib${plugin}Plugin.so.tmp" "plugins.d/lib${plugin}Plugin.so"
done
echo "installed example plugins into plugins.d/ (binary: $bin/taskhost)"
