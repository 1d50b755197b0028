#!/usr/bin/env bash
# The CUDA check: composition-paper (8 layers, width 768, bf16) trained for a fixed number of steps
# by grokked and by the Python peer (HF GPT2LMHeadModel + a PyTorch loop, bf16 autocast) on the
# same data; prints steps/s of both, their ratio, peak GPU memory and the projected hours to
# 700,000 steps, well inside 8 minutes. On a machine without CUDA it says so and exits 0.
#   scripts/gpu-check.sh [STEPS]      (default 300)
# It runs prebuilt binaries: BIN (default target/release) must hold train_throughput, built where
# this script runs or carried there; the machine's python3 must have torch 2.11.0 (the same wheel
# the binaries link) and, for the peer, transformers and safetensors.
set -uo pipefail
cd "$(dirname "$0")/.."
steps="${1:-300}"
bin="${BIN:-target/release}"
python="${GROKKED_PYTHON:-python3}"
if ! "$python" -c 'import torch' 2>/dev/null; then
    echo "gpu-check: $python has no torch, so no CUDA device can be used here: nothing to check"
    exit 0
fi
if ! "$python" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)'; then
    echo "gpu-check: no CUDA device here (torch.cuda.is_available() is false): nothing to check"
    exit 0
fi
torch_lib="$("$python" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')"
export LD_LIBRARY_PATH="$torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# The peer runs with this python (bench/src/lib.rs reads GROKKED_VENV/bin/python).
venv="$(mktemp -d)"
mkdir -p "$venv/bin"
ln -s "$(command -v "$python")" "$venv/bin/python"
export GROKKED_VENV="$venv"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
# Peak GPU memory of the whole run, sampled every 0.5 s.
peak_file="$(mktemp)"
(
    peak=0
    while sleep 0.5; do
        used="$(nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits | head -1)"
        [ "${used:-0}" -gt "$peak" ] && peak="$used" && echo "$peak" >"$peak_file"
    done
) &
sampler=$!
start=$SECONDS
timeout 470 "$bin/train_throughput" datasets/configs/composition-paper.toml "$steps" cuda
status=$?
kill "$sampler" 2>/dev/null
echo "peak GPU memory in use during the check (nvidia-smi): $(cat "$peak_file" 2>/dev/null || echo 0) MiB"
echo "gpu-check: $((SECONDS - start)) s (exit $status)"
rm -rf "$venv" "$peak_file"
exit "$status"
