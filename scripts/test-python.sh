#!/usr/bin/env bash
# Builds the Python package `ferrozmq` (crates/ferrozmq-py) and runs its pytest suite: the API, interop
# with pyzmq (real libzmq) in the same process, asyncio, and the examples under examples/python.
#
# Creates or reuses .venv at the repository root, installs maturin, pytest, pytest-timeout and pyzmq from
# PyPI, builds the abi3 wheel (release) and installs it into the venv. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf '\n==> %s\n' "$*" >&2; }

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

if [ ! -x "$VENV/bin/python" ]; then
    log "creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi
VENV=$(cd "$VENV" && pwd)
log "installing maturin, pytest, pytest-timeout, pyzmq"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade \
    "maturin>=1.5,<2" "pytest>=7" "pytest-timeout>=2" "pyzmq>=26"

log "building and installing the ferrozmq wheel"
wheels=$(mktemp -d)
trap 'rm -rf "$wheels"' EXIT
"$VENV/bin/maturin" build --release --quiet -m crates/ferrozmq-py/Cargo.toml -i "$VENV/bin/python" -o "$wheels"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$wheels"/ferrozmq-*.whl

log "pytest (per-test timeout 60 s)"
cd crates/ferrozmq-py
# Run from a directory where the source tree's python/ferrozmq cannot shadow the installed wheel.
exec "$VENV/bin/python" -m pytest --timeout=60 -p no:cacheprovider -q "$@" tests
