"""Measures what a Jupyter Lab user waits for: a fresh `rust` kernel started through
jupyter_client exactly as Lab starts it (the kernelspec on JUPYTER_PATH), then the first cells of
a notebook (`:dep grokked = { path = ".." }` and a cell that uses the facade). Prints the seconds
from the kernel's start to each cell's result.

Usage: python kernel_start_time.py NOTEBOOK_FOLDER
"""

import sys
import time

from jupyter_client.manager import start_new_kernel

CELLS = [
    ':dep grokked = { path = ".." }',
    "use grokked::prelude::*;\n"
    "let m = GptModel::new(GptConfig::small(30, 16, 1, 8, 2), Device::Cpu).unwrap();\n"
    "m.num_parameters()",
]


def run(client, code):
    reply = client.execute_interactive(code, timeout=3600, output_hook=lambda msg: None)
    status = reply["content"]["status"]
    if status != "ok":
        raise SystemExit(f"cell failed: {reply['content']}")


def main(folder):
    start = time.perf_counter()
    manager, client = start_new_kernel(kernel_name="rust", cwd=folder, startup_timeout=600)
    ready = time.perf_counter() - start
    print(f"kernel ready: {ready:.1f} s")
    try:
        for i, code in enumerate(CELLS, 1):
            run(client, code)
            print(f"cell {i} result: {time.perf_counter() - start:.1f} s after the kernel's start")
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


if __name__ == "__main__":
    main(sys.argv[1])
