#!/usr/bin/env bash
# Runs one benchmark binary of bench/ in release mode: scripts/bench.sh NAME [ARGS...]
# (data_gen, train_throughput, step_profile, time_to_grok, compare_runs). Installs the venv on
# first use; builds the grokked binary too (time_to_grok runs its points with it).
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$GROKKED_ROOT"
name="$1"; shift
cargo build --release -q -p grokked-cli -p grokked-bench
exec "${CARGO_TARGET_DIR:-target}/release/$name" "$@"
