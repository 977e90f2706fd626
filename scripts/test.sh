#!/usr/bin/env bash
# Runs every check and test of the workspace: formatting, clippy (warnings are errors), and
# `cargo test --workspace` (unit, integration, example-process and libzmq interop tests).
#
# Works on a fresh Debian machine with Rust installed: libzmq (for the interop tests only) is
# installed with apt-get when missing, if we are root.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf '\n==> %s\n' "$*" >&2; }

# --- system packages -------------------------------------------------------------------------
# crates/interop links the system libzmq through pkg-config (libzmq3-dev on Debian).
if ! { command -v pkg-config >/dev/null 2>&1 && pkg-config --exists libzmq; }; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        log "installing libzmq3-dev and pkg-config"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q
        apt-get install -y -q --no-install-recommends libzmq3-dev pkg-config
    else
        echo "error: libzmq3-dev and pkg-config are needed (apt-get install libzmq3-dev pkg-config)" >&2
        exit 1
    fi
fi

# --- toolchain components ----------------------------------------------------------------------
for component in rustfmt clippy; do
    cmd=$([ "$component" = rustfmt ] && echo "cargo fmt --version" || echo "cargo clippy --version")
    if ! $cmd >/dev/null 2>&1; then
        if command -v rustup >/dev/null 2>&1; then
            log "adding the $component component"
            rustup component add "$component"
        else
            echo "error: cargo $component is missing" >&2
            exit 1
        fi
    fi
done

export RUST_BACKTRACE=1
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
start=$(date +%s)

log "cargo fmt --all -- --check"
cargo fmt --all -- --check

log "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

# Every test bounds its own blocking calls; nextest (.config/nextest.toml) also kills any test that runs
# past 2 minutes, and the outer timeout guards against a hang in the harness itself.
if cargo nextest --version >/dev/null 2>&1; then
    log "cargo nextest run --workspace"
    timeout --signal=INT --kill-after=30 1200 cargo nextest run --workspace
    log "cargo test --workspace --doc"
    timeout --signal=INT --kill-after=30 600 cargo test --workspace --doc
else
    log "cargo test --workspace"
    timeout --signal=INT --kill-after=30 1200 cargo test --workspace --no-fail-fast
fi

log "Python package: build the wheel, run pytest (scripts/test-python.sh)"
bash scripts/test-python.sh

log "all checks passed in $(( $(date +%s) - start )) s"
