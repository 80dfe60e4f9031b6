#!/usr/bin/env bash
# Builds promptreg for release (Swift standard library linked statically) and runs the benchmark
# suite: three fixture registries (1 x 10, 1 x 20,000 and 1,000 x 20), promptreg as processes
# beside plain git in interleaved rounds with the disk's fsync cost and fsync counts (strace),
# library figures in process, then `promptreg-bench sync` (write-through writes and pulls against
# git daemon and smart HTTP on loopback, beside git push and git fetch), and `promptreg-bench
# runtime` (validateToolCall per call, the promotion gate's cost on promote), and `promptreg-bench
# trust` (signed beside unsigned writes, resolve with and without --trust), `promptreg-bench fleet`,
# and scripts/bench-mlflow.sh when it is there. Writes bench/results.md.
# Pass options through, e.g. --runs 30.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
flags=(-c release --static-swift-stdlib)
swift build "${flags[@]}"
bin="$(swift build "${flags[@]}" --show-bin-path)"
"$bin/promptreg-bench" --promptreg "$bin/promptreg" --build-flags "swift build ${flags[*]}" "$@"

# Then the sync benchmark (git:// and smart HTTP on loopback) with the same promptreg binary; it
# appends its section to the same results file. --runs and --out are passed on to it too.
sync_args=()
out_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) if [ $# -ge 2 ]; then sync_args+=("$1" "$2"); out_args+=("$1" "$2"); shift 2; else shift; fi ;;
    --out=*) sync_args+=("$1"); out_args+=("$1"); shift ;;
    --runs) if [ $# -ge 2 ]; then sync_args+=("$1" "$2"); shift 2; else shift; fi ;;
    --runs=*) sync_args+=("$1"); shift ;;
    *) shift ;;
  esac
done
"$bin/promptreg-bench" sync --promptreg "$bin/promptreg" ${sync_args[@]+"${sync_args[@]}"}
"$bin/promptreg-bench" runtime
"$bin/promptreg-bench" trust --promptreg "$bin/promptreg" ${sync_args[@]+"${sync_args[@]}"}
# The fleet: a rollback's propagation to 20 followers (polling and watch) and serve under wrk.
"$bin/promptreg-bench" fleet --promptreg "$bin/promptreg" ${out_args[@]+"${out_args[@]}"}
# Reads with 1,000 packs beside the same registry after gc.
"$bin/promptreg-bench" packs --promptreg "$bin/promptreg" ${out_args[@]+"${out_args[@]}"}
# promptreg beside MLflow's prompt registry (its own virtual environment).
if [ -x scripts/bench-mlflow.sh ]; then
  scripts/bench-mlflow.sh --promptreg "$bin/promptreg" ${out_args[@]+"${out_args[@]}"}
fi
