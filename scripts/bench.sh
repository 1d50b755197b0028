#!/usr/bin/env bash
# Runs one benchmark binary of bench/ in release mode: scripts/bench.sh NAME [ARGS...]
# (data_gen, train_throughput, time_to_grok). Installs the venv on first use.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$GROKKED_ROOT"
name="$1"; shift
cargo run --release -q -p grokked-bench --bin "$name" -- "$@"
