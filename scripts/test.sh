#!/usr/bin/env bash
# Runs the whole test suite: builds everything (the tests load the real plugin .so files and
# drive the real taskhost binary), then runs the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --build-tests
swift test --skip-build "$@"
