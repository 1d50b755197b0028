#!/usr/bin/env bash
# Kill-and-resume benchmark: trains a short composition-small run, kills it with SIGKILL at random
# moments N times (default 20), resuming after each kill, then compares its metrics, final weights
# and optimizer state, and the bytes (SHA-256) of every checkpoint file with an uninterrupted run
# of the same config. Prints the number of kills and of differences (0 means resume is exact, its
# files are byte-identical, and no kill lost or corrupted saved work).
#   scripts/chaos.sh [KILLS] [MAX_STEPS]
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$GROKKED_ROOT"
kills="${1:-20}"
steps="${2:-600}"
cargo build --release -q -p grokked-cli -p grokked-bench
bin="${CARGO_TARGET_DIR:-target}/release"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
sets=(--set "max_steps=$steps" --set "stop_at_id_accuracy=1.1"
      --set "train.eval={ dense_every = 25, dense_until = 0, sparse_every = 25 }"
      --set "train.checkpoint={ dense_every = 25, dense_until = 0, sparse_every = 25 }")
config=datasets/configs/composition-small.toml

echo "chaos: uninterrupted reference run ($steps steps)"
"$bin/grokked" train --config "$config" "${sets[@]}" --out "$work/reference" >/dev/null 2>&1

run="$work/chaos"
done_kills=0
finished=0
while [ "$finished" -eq 0 ]; do
    if [ -d "$run/checkpoints" ] && ls "$run/checkpoints" | grep -q '^step-'; then
        cmd=("$bin/grokked" train --resume "$run")
    else
        cmd=("$bin/grokked" train --config "$config" "${sets[@]}" --out "$run")
    fi
    "${cmd[@]}" >"$work/log" 2>&1 &
    pid=$!
    if [ "$done_kills" -lt "$kills" ]; then
        # A random moment within the next ten seconds: during start-up, a step, an evaluation or
        # a checkpoint write.
        sleep "$(awk -v s="$RANDOM" 'BEGIN { srand(s); printf "%.2f", 0.5 + 9.5 * rand() }')"
        if kill -9 "$pid" 2>/dev/null; then
            wait "$pid" 2>/dev/null || true
            done_kills=$((done_kills + 1))
            step=$(ls "$run/checkpoints" 2>/dev/null | sed -n 's/^step-//p' | sort -n | tail -1)
            echo "chaos: kill $done_kills at checkpoint ${step:-none}"
            continue
        fi
    fi
    if wait "$pid"; then
        finished=1
    else
        echo "chaos: a resume failed:" >&2
        cat "$work/log" >&2
        exit 1
    fi
done
echo "chaos: kills: $done_kills"
"$bin/compare_runs" "$work/reference" "$run"
