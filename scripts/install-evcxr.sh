#!/usr/bin/env bash
# Installs the notebook kernel, evcxr_jupyter (pinned), with `cargo install` when it is missing
# (about 5 minutes on 2 cores). It needs no venv, so scripts/test.sh runs it while the venv
# downloads; scripts/notebooks.sh runs it too.
set -euo pipefail
version=0.22.0
if ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
    . "$HOME/.cargo/env"
fi
if cargo install --list | grep -q "^evcxr_jupyter v$version:"; then
    exit 0
fi
echo "grokked: installing evcxr_jupyter $version (about 5 minutes on 2 cores)" >&2
cargo install --locked "evcxr_jupyter@$version"
