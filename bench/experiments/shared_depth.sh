#!/usr/bin/env bash
# The plugin issue's experiment: composition-small with and without the shared-depth plugin, the
# same step budget (STEPS, default 8000, no early stop), reporting OOD test accuracy of both.
set -euo pipefail
. "$(dirname "$0")/../../scripts/env.sh"
cd "$GROKKED_ROOT"
steps="${1:-8000}"
out="${2:-runs/experiments}"
cargo build --release -q -p grokked-cli -p shared-depth
release="${CARGO_TARGET_DIR:-target}/release"
grokked="$release/grokked"
for cfg in composition-small composition-small-shared-depth; do
    rm -rf "$out/$cfg"
    plugin=()
    [ "$cfg" = composition-small ] ||
        plugin=(--set "model.plugin.path=\"$release/libshared_depth.so\"")
    "$grokked" train --config "datasets/configs/$cfg.toml" --out "$out/$cfg" \
        --set "max_steps=$steps" --set "stop_at_id_accuracy=1.5" "${plugin[@]}" 2>&1 | tail -2
done
for cfg in composition-small composition-small-shared-depth; do
    "$grokked" eval --run "$out/$cfg"
done
