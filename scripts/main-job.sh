#!/usr/bin/env bash
# The main job: generate composition-small, train it until it groks, and write
# runs/composition-small/ (config.toml, data/, metrics.parquet, checkpoints/, plots/grokking.png|svg).
# Installs the venv on first use. Re-running continues (or just re-summarises) the same run.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$GROKKED_ROOT"
cargo build --release -q -p grokked-cli
grokked="${CARGO_TARGET_DIR:-target}/release/grokked"
run="${GROKKED_RUN_DIR:-runs/composition-small}"
if [ -d "$run/checkpoints" ]; then
    "$grokked" train --resume "$run" "$@"
else
    "$grokked" train --config datasets/configs/composition-small.toml --out "$run" "$@"
fi
"$grokked" eval --run "$run"
