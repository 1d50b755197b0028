#!/usr/bin/env bash
# Executes notebooks headless through the Jupyter protocol (nbclient) with the evcxr Rust kernel,
# one at a time: scripts/notebooks.sh [NOTEBOOK.ipynb ...] (default: every notebooks/*.ipynb, in
# order). `--install` only installs what is missing and registers the `grokked-rust` kernel in the
# venv's Jupyter (then `.venv/bin/jupyter lab` and VS Code list it); `--lab` opens Jupyter Lab on
# notebooks/ with it (installing jupyterlab into the venv on first use); `--lab-start-time`
# measures how long a fresh kernel, started as Lab starts it, takes to give the first cell's
# result; `--kernel-check` starts it with no environment at all and runs a cell that builds a
# tensor (the test command's check that plain Jupyter can use it).
# Exits non-zero on the first notebook with a failing cell (a panic or a compile error fails).
# Executed copies, also of failed notebooks, go to notebooks/executed/ (ignored by git). Installs
# on first use what is missing: the venv (with nbclient) and evcxr_jupyter.
#   GROKKED_NOTEBOOK_CACHE  persistent caches (default: ~/.cache/grokked/notebooks): evcxr's
#                           compile cache and the kernels' build folders (scripts/evcxr-kernel.sh),
#                           shared by the headless runner and Lab, so the facade and its
#                           dependencies are compiled once per machine
#   GROKKED_NOTEBOOK_OUT    where executed copies go (default: notebooks/executed)
#   GROKKED_GPT2_DIR        a real Hugging Face GPT-2 folder for notebook 01 (else it makes a
#                           small random one)
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$GROKKED_ROOT"
cache="${GROKKED_NOTEBOOK_CACHE:-$HOME/.cache/grokked/notebooks}"
export GROKKED_NOTEBOOK_CACHE="$cache"
out="$(mkdir -p "${GROKKED_NOTEBOOK_OUT:-notebooks/executed}" && cd "${GROKKED_NOTEBOOK_OUT:-notebooks/executed}" && pwd)"

scripts/install-evcxr.sh
# The notebooks' kernel, `grokked-rust`, is registered in the venv's Jupyter (where `jupyter lab`
# and VS Code pointed at the venv look): it runs scripts/evcxr-kernel.sh, which sets up libtorch,
# the Rust toolchain and the shared build cache, so the kernel needs no environment of its own.
python - "$GROKKED_VENV/share/jupyter/kernels/grokked-rust" "$GROKKED_ROOT/scripts/evcxr-kernel.sh" \
    "$GROKKED_VENV" "$cache" <<'PY'
import json, os, sys
spec_dir, wrapper, venv, cache = sys.argv[1:]
os.makedirs(spec_dir, exist_ok=True)
spec = {
    "argv": ["bash", wrapper, "{connection_file}"],
    "display_name": "Rust (grokked)",
    "language": "rust",
    "interrupt_mode": "message",
    "env": {"GROKKED_VENV": venv, "GROKKED_NOTEBOOK_CACHE": cache},
}
tmp = os.path.join(spec_dir, "kernel.json.tmp")
json.dump(spec, open(tmp, "w"), indent=2)
os.replace(tmp, os.path.join(spec_dir, "kernel.json"))
PY

case "${1:-}" in
--install)
    exit 0
    ;;
--lab)
    python -c 'import jupyterlab' 2>/dev/null || python -m pip install --quiet jupyterlab
    exec jupyter lab --notebook-dir=notebooks
    ;;
--lab-start-time)
    exec python scripts/kernel_start_time.py "$GROKKED_ROOT/notebooks"
    ;;
--kernel-check)
    # The kernel as plain Jupyter starts it: by its kernelspec's name, with no environment.
    exec env -i HOME="$HOME" "$GROKKED_VENV/bin/python" scripts/kernel_start_time.py \
        --check "$GROKKED_ROOT/notebooks"
    ;;
"")
    set -- notebooks/*.ipynb
    ;;
esac
export GROKKED_KERNEL_MODE=headless
for nb in "$@"; do
    [ -f "$nb" ] || { echo "grokked: no notebook $nb" >&2; exit 2; }
    dir="$(cd "$(dirname "$nb")" && pwd)"
    name="$(basename "$nb" .ipynb)"
    start=$SECONDS
    echo "grokked: executing $nb" >&2
    # Relative `:dep` paths resolve against the kernel's working directory: the notebook's folder.
    python scripts/execute_notebook.py "$dir/$name.ipynb" "$out/$name.ipynb" 1800 || {
        echo "grokked: notebook $nb failed (the failing cell and its error are shown above)" >&2
        exit 1
    }
    echo "grokked: $nb passed in $((SECONDS - start)) s" >&2
done
