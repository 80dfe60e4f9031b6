#!/usr/bin/env bash
# Installs what is missing, then builds and runs every test (unit, end-to-end, concurrency).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
swift build --build-tests
swift test --skip-build
