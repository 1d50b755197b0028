# Sourced by the README commands: makes sure the Python venv with torch and the test peers exists,
# and sets up the environment cargo needs to build against its libtorch.
#   GROKKED_VENV       where the venv lives (default: .venv in the repository)
#   CARGO_TARGET_DIR   honoured by cargo as usual (CI points it at a persistent cache)
GROKKED_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export GROKKED_ROOT
export GROKKED_VENV="${GROKKED_VENV:-$GROKKED_ROOT/.venv}"

grokked_bootstrap() {
    local req="$GROKKED_ROOT/scripts/requirements.txt" stamp="$GROKKED_VENV/.grokked-requirements"
    if cmp -s "$req" "$stamp"; then
        return 0
    fi
    echo "grokked: installing the Python venv into $GROKKED_VENV (torch is a large download)" >&2
    if [ ! -x "$GROKKED_VENV/bin/python" ]; then
        python3 -m venv "$GROKKED_VENV" || return 1
    fi
    "$GROKKED_VENV/bin/python" -m pip install --quiet --upgrade pip || return 1
    "$GROKKED_VENV/bin/python" -m pip install --quiet -r "$req" || return 1
    cp "$req" "$stamp"
}

grokked_bootstrap || { echo "grokked: venv bootstrap failed" >&2; return 1 2>/dev/null || exit 1; }
if ! command -v cargo >/dev/null 2>&1; then
    [ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
fi
export PATH="$GROKKED_VENV/bin:$PATH"
export LIBTORCH_USE_PYTORCH=1
