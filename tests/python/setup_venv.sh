#!/usr/bin/env bash
# Create (or reuse) the Python virtualenv for the pyfory conformance peer.
#
#   PY=$(bash tests/python/setup_venv.sh | tail -1)
#
# The venv lives at ${FORY_VENV:-<repo root>/.venv}. It gets pinned versions of
# pyfory (the reference implementation of the wire format), numpy and pandas.
# Running the script again is cheap: when the venv already holds the pinned
# versions nothing is installed. All progress output goes to stderr; the last
# (and only) line on stdout is the venv's python interpreter.
set -euo pipefail

PYFORY_VERSION=1.7.7
NUMPY_VERSION=2.4.6
PANDAS_VERSION=3.1.1

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$here/../.." && pwd)"
venv="${FORY_VENV:-$repo_root/.venv}"
case "$venv" in /*) ;; *) venv="$PWD/$venv" ;; esac
py="$venv/bin/python"

log() { echo "setup_venv: $*" >&2; }

# The interpreter the venv is made from: FORY_BASE_PYTHON, else CPython 3.11.
base_python() {
    if [ -n "${FORY_BASE_PYTHON:-}" ]; then echo "$FORY_BASE_PYTHON"; return; fi
    for cand in python3.11 python3; do
        if command -v "$cand" >/dev/null 2>&1; then command -v "$cand"; return; fi
    done
    log "no python3 found (set FORY_BASE_PYTHON)"
    exit 1
}

# True when the venv already has exactly the pinned versions installed.
pins_satisfied() {
    [ -x "$py" ] || return 1
    "$py" - "$PYFORY_VERSION" "$NUMPY_VERSION" "$PANDAS_VERSION" <<'EOF' >/dev/null 2>&1
import sys
from importlib.metadata import version
want = dict(zip(("pyfory", "numpy", "pandas"), sys.argv[1:]))
sys.exit(0 if all(version(pkg) == ver for pkg, ver in want.items()) else 1)
EOF
}

mkdir -p "$venv"
# Serialise concurrent runs of this script on the same venv.
if command -v flock >/dev/null 2>&1; then
    exec 9>"$venv/.setup_venv.lock"
    flock 9
fi

if pins_satisfied; then
    log "reusing $venv (pyfory $PYFORY_VERSION, numpy $NUMPY_VERSION, pandas $PANDAS_VERSION)"
else
    if [ ! -x "$py" ]; then
        base="$(base_python)"
        log "creating venv at $venv with $base"
        "$base" -m venv "$venv" >&2
    fi
    log "installing pyfory==$PYFORY_VERSION numpy==$NUMPY_VERSION pandas==$PANDAS_VERSION"
    "$py" -m pip install --disable-pip-version-check --quiet \
        "pyfory==$PYFORY_VERSION" "numpy==$NUMPY_VERSION" "pandas==$PANDAS_VERSION" >&2
    "$py" -c "import pyfory, numpy, pandas" >&2
    pins_satisfied || { log "installed versions do not match the pins"; exit 1; }
fi

echo "$py"
