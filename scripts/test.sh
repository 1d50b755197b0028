#!/usr/bin/env bash
# The whole test suite: formatting, every crate's unit, doc and end-to-end tests, then every
# notebook executed headless. Installs on first use the venv (torch + Python peers) and the
# notebook kernel (evcxr_jupyter).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# The kernel compiles on the CPU while the venv downloads: on a fresh machine the two overlap.
evcxr_log="$(mktemp)"
"$root/scripts/install-evcxr.sh" >"$evcxr_log" 2>&1 &
evcxr_install=$!
trap 'kill "$evcxr_install" 2>/dev/null || true; rm -f "$evcxr_log"' EXIT
. "$root/scripts/env.sh"
cd "$GROKKED_ROOT"
if ! wait "$evcxr_install"; then
    cat "$evcxr_log" >&2
    echo "grokked: installing evcxr_jupyter failed (its output is above)" >&2
    exit 1
fi
grep '^grokked:' "$evcxr_log" >&2 || true
cargo fmt --all -- --check
scripts/notebooks.sh --install
# The plugin libraries the tests load (cargo test builds no cdylib on its own).
cargo build -p shared-depth -p fact-memory -p fixture-panicking -p fixture-wrong-abi -p fixture-constructor-marker
cargo test --workspace --all-targets
cargo test --workspace --doc
scripts/notebooks.sh
# The kernel as plain Jupyter Lab or VS Code starts it: by name, with no environment of its own.
scripts/notebooks.sh --kernel-check
