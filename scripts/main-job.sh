#!/usr/bin/env bash
# The main job: generate composition-small, train it until it groks, and write
# runs/composition-small/ (config.toml, data/, metrics.parquet, checkpoints/, plots/grokking.png|svg).
# Installs the venv on first use. Re-running continues (or just re-summarises) the same run.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$GROKKED_ROOT"
grokked="${CARGO_TARGET_DIR:-target}/release/grokked"
if [ ! -x "$grokked" ]; then
    echo "grokked: building the grokked command (release). The first build compiles the libtorch" \
         "bindings, polars and tokenizers: about 10 minutes on 2 cores; later builds take seconds." >&2
fi
# cargo shows its own progress (crates compiled of the total) while it builds.
cargo build --release -p grokked-cli
run="${GROKKED_RUN_DIR:-runs/composition-small}"
if [ -d "$run/checkpoints" ]; then
    "$grokked" train --resume "$run" "$@"
else
    "$grokked" train --config datasets/configs/composition-small.toml --out "$run" "$@"
fi
"$grokked" eval --run "$run"
