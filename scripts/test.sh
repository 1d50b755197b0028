#!/usr/bin/env bash
# The whole test suite: formatting, every crate's unit, doc and end-to-end tests, then every
# notebook executed headless. Installs on first use the venv (torch + Python peers) and the
# notebook kernel (evcxr_jupyter).
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$GROKKED_ROOT"
cargo fmt --all -- --check
scripts/notebooks.sh --install
# The plugin libraries the tests load (cargo test builds no cdylib on its own).
cargo build -p shared-depth -p fact-memory -p fixture-panicking -p fixture-wrong-abi -p fixture-constructor-marker
cargo test --workspace --all-targets
cargo test --workspace --doc
scripts/notebooks.sh
