#!/usr/bin/env bash
# Installs what is missing, then builds and runs every test (unit, end-to-end, concurrency).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
swift build --build-tests
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
swift test --skip-build --disable-xctest 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One plain closing line: how many tests passed and failed.
total=$(grep -Eo 'Test run with [0-9]+ tests?' "$log" | grep -Eo '[0-9]+' | tail -1)
failed=$(grep -Ec '^✘ Test "[^"]*"( with [0-9]+ test cases?)? failed' "$log" || true)
echo "${total:+$((total - failed))} passed, $failed failed" | sed 's/^ passed/0 passed/'
exit "$status"
