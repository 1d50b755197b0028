"""Measures what a Jupyter Lab user waits for: a fresh `grokked-rust` kernel started through
jupyter_client exactly as Lab starts it (by its kernelspec's name, from the venv's Jupyter), then
the first cells of a notebook (`:dep grokked = { path = ".." }` and a cell that builds a model and
a tensor). Prints the seconds from the kernel's start to each cell's result. With --check, also
asserts each cell's result (scripts/notebooks.sh --kernel-check runs it with no environment).

Usage: python kernel_start_time.py [--check] NOTEBOOK_FOLDER
"""

import sys
import time

from jupyter_client.manager import start_new_kernel

CELLS = [
    ':dep grokked = { path = ".." }',
    "use grokked::prelude::*;\n"
    "let size = GptSize { vocab_size: 30, n_positions: 16, n_layer: 1, n_embd: 8, n_head: 2 };\n"
    "let m = GptModel::new(GptConfig::new(size), Device::Cpu).unwrap();\n"
    "let t = Tensor::from_slice(&[1i64, 2, 3]);\n"
    "assert!(m.num_parameters() > 0);\n"
    "t.sum(Kind::Int64).int64_value(&[])",
]
# What --check expects each cell to show (None: nothing).
EXPECTED = [None, "6"]


def run(client, code):
    shown = []

    def hook(msg):
        if msg["msg_type"] == "execute_result":
            shown.append(msg["content"]["data"].get("text/plain", ""))

    reply = client.execute_interactive(code, timeout=3600, output_hook=hook)
    status = reply["content"]["status"]
    if status != "ok":
        raise SystemExit(f"cell failed: {reply['content']}")
    return "".join(shown).strip() or None


def main(*args):
    check = args[0] == "--check"
    folder = args[-1]
    start = time.perf_counter()
    manager, client = start_new_kernel(kernel_name="grokked-rust", cwd=folder, startup_timeout=600)
    ready = time.perf_counter() - start
    print(f"kernel ready: {ready:.1f} s")
    try:
        for i, (code, expected) in enumerate(zip(CELLS, EXPECTED), 1):
            shown = run(client, code)
            print(f"cell {i} result: {time.perf_counter() - start:.1f} s after the kernel's start")
            if check and shown != expected:
                raise SystemExit(f"cell {i} showed {shown!r}, expected {expected!r}")
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
