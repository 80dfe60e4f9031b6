#!/usr/bin/env bash
# promptreg beside MLflow's prompt registry, in one run: moving the prod alias/pointer and
# loading through it, MLflow on a sqlite store (in process and as fresh `python -c` processes)
# and promptreg as CLI processes, interleaved round by round, with the disk's fsync cost
# measured alongside. Writes (or replaces) the section "## Beside MLflow's prompt registry"
# of the results file.
#
#   scripts/bench-mlflow.sh [--promptreg PATH] [--rounds N] [--out bench/results.md] [--budget S]
#
# MLflow is installed from PyPI into its own virtual environment, .build/mlflow-venv (made
# with `python3 -m venv`; the system Python and the test suite's packages are never touched).
# The first install downloads mlflow and its dependencies (several minutes, about 850 MB).
# Each fresh MLflow process imports mlflow (seconds), so a round takes 10-25 s on 2 cores:
# the default 20 rounds take 4-8 minutes; --budget (seconds of rounds, default 900) stops the
# run after the round that passes it, and the report says so.
# Without --promptreg, .build/release/promptreg is used, built first if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# The MLflow release measured: the newest whose dependencies all install here (3.18.0's
# mlflow-skinny was not on the index when this was written). Override with MLFLOW_VERSION.
mlflow_version="${MLFLOW_VERSION:-3.17.2}"
venv=.build/mlflow-venv

promptreg=""
rounds=20
out=bench/results.md
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --promptreg) [ $# -ge 2 ] || { echo "bench-mlflow: --promptreg needs a path" >&2; exit 64; }; promptreg="$2"; shift 2 ;;
    --promptreg=*) promptreg="${1#*=}"; shift ;;
    --rounds) [ $# -ge 2 ] || { echo "bench-mlflow: --rounds needs a number" >&2; exit 64; }; rounds="$2"; shift 2 ;;
    --rounds=*) rounds="${1#*=}"; shift ;;
    --out) [ $# -ge 2 ] || { echo "bench-mlflow: --out needs a path" >&2; exit 64; }; out="$2"; shift 2 ;;
    --out=*) out="${1#*=}"; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) extra+=("$1"); shift ;;
  esac
done
case "$rounds" in ''|*[!0-9]*) echo "bench-mlflow: --rounds takes a whole number, not '$rounds'" >&2; exit 64 ;; esac

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "bench-mlflow: need root (or sudo) to run: $*" >&2; exit 1
  fi
}

# promptreg: the given binary, or the release build (made only when absent).
if [ -z "$promptreg" ]; then
  promptreg=.build/release/promptreg
  if [ ! -x "$promptreg" ]; then
    echo "bench-mlflow: building $promptreg"
    swift build -c release --static-swift-stdlib --product promptreg --scratch-path .build
  fi
fi
if [ ! -x "$promptreg" ]; then
  echo "bench-mlflow: $promptreg is not an executable" >&2
  exit 66
fi

# The virtual environment: python3 with venv and ensurepip (Debian splits them into python3-venv).
if [ ! -x "$venv/bin/python" ]; then
  missing=()
  command -v python3 >/dev/null || missing+=(python3)
  if [ ${#missing[@]} -gt 0 ] || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    missing+=(python3-venv)
    echo "bench-mlflow: installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  rm -rf "$venv"   # a half-made one from an interrupted run
  echo "bench-mlflow: creating $venv"
  python3 -m venv "$venv"
fi

installed="$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("mlflow"))' 2>/dev/null || true)"
if [ "$installed" != "$mlflow_version" ]; then
  echo "bench-mlflow: installing mlflow==$mlflow_version into $venv (the first time takes minutes)"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "mlflow==$mlflow_version"
fi

exec "$venv/bin/python" bench/mlflow_side_by_side.py --promptreg "$promptreg" --rounds "$rounds" --out "$out" \
  ${extra[@]+"${extra[@]}"}
