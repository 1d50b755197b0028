#!/usr/bin/env bash
# The whole test suite: formatting, then every crate's unit, doc and end-to-end tests.
# Installs the venv (torch + Python peers) on first use.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$GROKKED_ROOT"
cargo fmt --all -- --check
cargo test --workspace --all-targets
cargo test --workspace --doc
