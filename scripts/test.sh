#!/usr/bin/env bash
# The whole test suite: formatting, then every crate's unit, doc and end-to-end tests.
# Installs the venv (torch + Python peers) on first use.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$GROKKED_ROOT"
cargo fmt --all -- --check
# The plugin libraries the tests load (cargo test builds no cdylib on its own).
cargo build -p shared-depth -p fact-memory -p fixture-panicking -p fixture-wrong-abi
cargo test --workspace --all-targets
cargo test --workspace --doc
