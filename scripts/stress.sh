#!/usr/bin/env bash
# A longer crash run than the test suite's: kills publish, promote and rollback processes at
# random moments ROUNDS times (default 500) with a random seed, checking verify, git fsck and a
# re-run after each. Usage: ./scripts/stress.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
swift build --build-tests
seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
echo "crash rounds: ${1:-500}, seed: $seed (set PROMPTREG_CRASH_SEED=$seed to replay)"
PROMPTREG_CRASH_ROUNDS="${1:-500}" PROMPTREG_CRASH_SEED="$seed" \
  swift test --skip-build --disable-xctest --filter 'ReliabilityTests/crashes'
