#!/usr/bin/env bash
# Builds promptreg for release (Swift standard library linked statically) and runs the benchmark
# suite: a 1,000 x 20 and a 1 x 10 fixture registry, promptreg as processes beside plain git,
# library figures in process. Writes bench/results.md. Pass options through, e.g. --runs 30.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
flags=(-c release --static-swift-stdlib)
swift build "${flags[@]}"
bin="$(swift build "${flags[@]}" --show-bin-path)"
"$bin/promptreg-bench" --promptreg "$bin/promptreg" --build-flags "swift build ${flags[*]}" "$@"
