#!/usr/bin/env bash
# Builds the Python package `ferrozmq` (crates/ferrozmq-py) and runs its pytest suite: the API, interop
# with pyzmq (real libzmq) in the same process, asyncio, and the examples under examples/python.
#
# Creates or reuses .venv at the repository root, installs maturin, pytest, pytest-timeout, pyzmq, and
# pytest-asyncio and tornado (for pyzmq's own async tests) from PyPI, builds the abi3 wheel (release) and
# installs it into the venv. Extra arguments go to pytest.
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
log "installing maturin, pytest, pytest-timeout, pytest-asyncio, tornado, pyzmq"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade \
    "maturin>=1.5,<2" "pytest>=7" "pytest-timeout>=2" "pytest-asyncio>=0.23" "tornado>=6" "pyzmq>=26"

log "building and installing the ferrozmq wheel"
wheels=$(mktemp -d)
trap 'rm -rf "$wheels"' EXIT
"$VENV/bin/maturin" build --release --quiet -m crates/ferrozmq-py/Cargo.toml -i "$VENV/bin/python" -o "$wheels"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$wheels"/ferrozmq-*.whl

# pyzmq's own tests (from its sdist; the wheel has none) run against ferrozmq in backend mode
# (tests/test_pyzmq_backend.py). pip downloads the sdist; preparing its metadata needs scikit-build-core
# and a cmake on PATH (both wheels from PyPI; nothing is built). Offline, the test is skipped.
PYZMQ_VERSION=$("$VENV/bin/python" -c 'import zmq; print(zmq.__version__)')
PYZMQ_TESTS="$VENV/pyzmq-$PYZMQ_VERSION/tests"
if [ ! -d "$PYZMQ_TESTS" ]; then
    log "fetching pyzmq $PYZMQ_VERSION's tests"
    if "$VENV/bin/python" -m pip install -q --disable-pip-version-check scikit-build-core cmake &&
        PATH="$VENV/bin:$PATH" timeout 300 "$VENV/bin/python" -m pip download -q --disable-pip-version-check \
            --no-deps --no-binary :all: --no-build-isolation -d "$wheels/sdist" "pyzmq==$PYZMQ_VERSION"; then
        tar xzf "$wheels/sdist/pyzmq-$PYZMQ_VERSION.tar.gz" -C "$VENV" "pyzmq-$PYZMQ_VERSION/tests"
    else
        log "could not fetch pyzmq's sdist: its tests will be skipped"
    fi
fi
export FERROZMQ_PYZMQ_TESTS="$PYZMQ_TESTS"

log "pytest (per-test timeout 60 s)"
cd crates/ferrozmq-py
# Run from a directory where the source tree's python/ferrozmq cannot shadow the installed wheel.
# ferrozmq's own asyncio tests run their loops themselves: pytest-asyncio is only for pyzmq's (in a
# subprocess, tests/test_pyzmq_backend.py).
exec "$VENV/bin/python" -m pytest --timeout=60 -p no:cacheprovider -p no:asyncio -q "$@" tests
