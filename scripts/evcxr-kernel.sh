#!/usr/bin/env bash
# The Rust kernel of the notebooks, as Jupyter starts it (kernel.json runs this with the
# connection file): one environment for the headless runner and for Jupyter Lab.
#   - libtorch and Rust's standard library on LD_LIBRARY_PATH (each cell is a library loaded into
#     the kernel process, so the binaries' rpath does not apply);
#   - evcxr's compile cache (`:cache`) and a persistent build folder, so the facade's dependencies
#     are compiled once per machine, not once per kernel start. The folder is a slot: slot 0 is
#     the one the headless runner warms; a kernel started while another holds it gets a copy
#     (two kernels never share a build folder);
#   - GROKKED_KERNEL_MODE=headless (the runner) makes a panicking cell fail; in Lab a panic keeps
#     the kernel's variables, evcxr's interactive default.
#   GROKKED_NOTEBOOK_CACHE   the caches' folder (default ~/.cache/grokked/notebooks)
set -euo pipefail
connection_file="${1:?usage: evcxr-kernel.sh CONNECTION_FILE}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${GROKKED_NOTEBOOK_CACHE:-$HOME/.cache/grokked/notebooks}"
venv="${GROKKED_VENV:-$root/.venv}"
if ! command -v rustc >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
    . "$HOME/.cargo/env"
fi
torch_lib="$("$venv/bin/python" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')"
export LD_LIBRARY_PATH="$torch_lib:$(rustc --print target-libdir)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PATH="$venv/bin:$PATH" LIBTORCH_USE_PYTORCH=1

mode="${GROKKED_KERNEL_MODE:-interactive}"
export EVCXR_CONFIG_DIR="$cache/config-$mode"
mkdir -p "$EVCXR_CONFIG_DIR"
if [ "$mode" = headless ]; then
    printf ':preserve_vars_on_panic 0\n:cache 4000\n' >"$EVCXR_CONFIG_DIR/init.evcxr.$$"
else
    printf ':cache 4000\n' >"$EVCXR_CONFIG_DIR/init.evcxr.$$"
fi
mv "$EVCXR_CONFIG_DIR/init.evcxr.$$" "$EVCXR_CONFIG_DIR/init.evcxr"

# The first free build slot; its lock is held (fd 9) for the kernel's life.
mkdir -p "$cache/build"
slot=0
while :; do
    if [ "$slot" = 0 ]; then dir="$cache/build/notebooks"; else dir="$cache/build/notebooks-$slot"; fi
    exec 9>"$dir.lock"
    if flock -n 9; then
        break
    fi
    exec 9>&-
    slot=$((slot + 1))
done
if [ ! -d "$dir" ] && [ "$slot" != 0 ] && [ -d "$cache/build/notebooks" ]; then
    cp -a --reflink=auto "$cache/build/notebooks" "$dir.tmp-$$" && mv "$dir.tmp-$$" "$dir"
fi
mkdir -p "$dir"
export EVCXR_TMPDIR="$dir"
exec evcxr_jupyter --control_file "$connection_file"
