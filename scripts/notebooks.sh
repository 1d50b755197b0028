#!/usr/bin/env bash
# Executes notebooks headless through the Jupyter protocol (nbclient) with the evcxr Rust kernel,
# one at a time: scripts/notebooks.sh [NOTEBOOK.ipynb ...] (default: every notebooks/*.ipynb, in
# order). `--install` only installs what is missing; `--lab` opens Jupyter Lab on notebooks/ with
# the same kernel and environment (installing jupyterlab into the venv on first use).
# Exits non-zero on the first notebook with a failing cell (a panic or a compile error fails).
# Executed copies, also of failed notebooks, go to notebooks/executed/ (ignored by git). Installs
# on first use what is missing: the venv (with nbclient) and evcxr_jupyter.
#   GROKKED_NOTEBOOK_CACHE  persistent caches (default: ~/.cache/grokked/notebooks): one evcxr
#                           build folder per notebook folder, shared by its notebooks (they run
#                           one at a time and have the same dependencies), so the facade and its
#                           dependencies are compiled once and warm runs recompile only cells
#   GROKKED_NOTEBOOK_OUT    where executed copies go (default: notebooks/executed)
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$GROKKED_ROOT"
evcxr_version=0.22.0
cache="${GROKKED_NOTEBOOK_CACHE:-$HOME/.cache/grokked/notebooks}"
out="$(mkdir -p "${GROKKED_NOTEBOOK_OUT:-notebooks/executed}" && cd "${GROKKED_NOTEBOOK_OUT:-notebooks/executed}" && pwd)"

if ! cargo install --list | grep -q "^evcxr_jupyter v$evcxr_version:"; then
    echo "grokked: installing evcxr_jupyter $evcxr_version (about 12 minutes on 2 cores)" >&2
    cargo install --locked "evcxr_jupyter@$evcxr_version"
fi
export JUPYTER_PATH="$cache/jupyter"
if [ ! -f "$JUPYTER_PATH/kernels/rust/kernel.json" ]; then
    evcxr_jupyter --install >/dev/null
fi
# Each cell is a dylib loaded into the kernel process, so libtorch and Rust's own libstd must be
# on the loader path when the kernel starts (the relative rpath evcxr relies on breaks in deep
# build folders); a panic must fail the cell (evcxr's default reports it as success).
torch_lib="$(python -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')"
export LD_LIBRARY_PATH="$torch_lib:$(rustc --print target-libdir)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export EVCXR_CONFIG_DIR="$cache/config"
mkdir -p "$EVCXR_CONFIG_DIR"
printf ':preserve_vars_on_panic 0\n:cache 4000\n' > "$EVCXR_CONFIG_DIR/init.evcxr.$$"
mv "$EVCXR_CONFIG_DIR/init.evcxr.$$" "$EVCXR_CONFIG_DIR/init.evcxr"

case "${1:-}" in
--install)
    exit 0
    ;;
--lab)
    python -c 'import jupyterlab' 2>/dev/null || python -m pip install --quiet jupyterlab
    unset EVCXR_CONFIG_DIR  # interactive: keep evcxr's defaults (a panic keeps the variables)
    exec jupyter lab --notebook-dir=notebooks
    ;;
"")
    set -- notebooks/*.ipynb
    ;;
esac
for nb in "$@"; do
    [ -f "$nb" ] || { echo "grokked: no notebook $nb" >&2; exit 2; }
    dir="$(cd "$(dirname "$nb")" && pwd)"
    name="$(basename "$nb" .ipynb)"
    export EVCXR_TMPDIR="$cache/build/$(basename "$dir")"
    mkdir -p "$EVCXR_TMPDIR"
    start=$SECONDS
    echo "grokked: executing $nb" >&2
    # Relative `:dep` paths resolve against the kernel's working directory: the notebook's folder.
    python scripts/execute_notebook.py "$dir/$name.ipynb" "$out/$name.ipynb" 1800 || {
        echo "grokked: notebook $nb failed (the failing cell and its error are shown above)" >&2
        exit 1
    }
    echo "grokked: $nb passed in $((SECONDS - start)) s" >&2
done
