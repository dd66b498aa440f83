#!/usr/bin/env bash
# The main job on a fresh machine: set up, build, install the example plugins, show what loaded.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/install-examples.sh
bin="$(swift build --show-bin-path)"
"$bin/taskhost" plugins check plugins.d
"$bin/taskhost" types
