#!/usr/bin/env bash
# Grokfast settings on composition-small: steps until ID test accuracy >= 95% (evaluated every
# 250 steps, as in the time_to_grok benchmark) without the filter and with each ALPHA:LAMBDA pair.
# Usage: bench/experiments/grokfast_sweep.sh [MAX_STEPS] [none | ALPHA:LAMBDA ...]
# (defaults: 10000; none 0.98:2 0.98:1 0.95:2 0.9:2 0.9:5 0.8:5). Minutes per run on 2 cores.
set -euo pipefail
. "$(dirname "$0")/../../scripts/env.sh"
cd "$GROKKED_ROOT"
steps="${1:-10000}"
shift || true
[ $# -gt 0 ] || set -- none 0.98:2 0.98:1 0.95:2 0.9:2 0.9:5 0.8:5
out="runs/experiments/grokfast"
cargo build --release -q -p grokked-cli
grokked="${CARGO_TARGET_DIR:-target}/release/grokked"
run() {
    local name="$1"; shift
    rm -rf "${out:?}/$name"
    "$grokked" train --config datasets/configs/composition-small.toml --out "$out/$name" \
        --set "max_steps=$steps" --set "stop_at_id_accuracy=0.95" \
        --set "train.eval={ dense_every = 250, dense_until = 0, sparse_every = 250 }" \
        --set "train.checkpoint={ dense_every = 0, dense_until = 0, sparse_every = 0 }" \
        "$@" 2>&1 | grep "train saturation" | tail -1 | sed "s/^/$name: /"
}
for pair in "$@"; do
    [ "$pair" != none ] || { run none; continue; }
    run "alpha${pair%%:*}-lambda${pair##*:}" \
        --set "train.grokfast={ alpha = ${pair%%:*}, lambda = ${pair##*:} }"
done
