#!/usr/bin/env bash
# The plugin issue's experiment: composition-small with and without the shared-depth plugin, the
# same step budget (STEPS, default 8000, no early stop), reporting OOD test accuracy of both.
#   bench/experiments/shared_depth.sh [STEPS] [OUT]
# GROKKED_BIN_DIR names a folder holding an already built `grokked` and `libshared_depth.so`
# (the tests use their debug build); by default both are built in release.
set -euo pipefail
. "$(dirname "$0")/../../scripts/env.sh"
cd "$GROKKED_ROOT"
steps="${1:-8000}"
out="${2:-runs/experiments}"
if [ -n "${GROKKED_BIN_DIR:-}" ]; then
    bin="$GROKKED_BIN_DIR"
else
    cargo build --release -q -p grokked-cli -p shared-depth
    bin="${CARGO_TARGET_DIR:-target}/release"
fi
grokked="$bin/grokked"
library="$bin/libshared_depth.so"
for cfg in composition-small composition-small-shared-depth; do
    rm -rf "$out/$cfg"
    plugin=()
    [ "$cfg" = composition-small ] || plugin=(--set "model.plugin.path=\"$library\"")
    "$grokked" train --config "datasets/configs/$cfg.toml" --out "$out/$cfg" \
        --set "max_steps=$steps" --set "stop_at_id_accuracy=1.5" "${plugin[@]}" 2>&1 | tail -2
done
"$grokked" eval --run "$out/composition-small"
# A run with a plugin opens only with the user's consent to load that library.
"$grokked" eval --run "$out/composition-small-shared-depth" --allow-plugin "$library"
