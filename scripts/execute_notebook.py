"""Executes one notebook through the Jupyter protocol (nbclient, as `jupyter execute` does) and
saves the executed copy, also when a cell fails; on a failure, prints the failing cell, its
error and its last printed lines, and exits 1.

Usage: python execute_notebook.py NOTEBOOK.ipynb OUTPUT.ipynb [TIMEOUT_S]
The kernel runs in the notebook's folder, so relative `:dep` paths resolve against it.
"""

import os
import re
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def error_report(cell):
    lines = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            lines.extend(out.get("text", "").splitlines()[-20:])
        elif out.get("output_type") == "error":
            lines.append(f"{out.get('ename', '')}: {out.get('evalue', '')}")
            lines.extend(out.get("traceback", []))
    # Compiler diagnostics arrive coloured: strip the terminal escapes for logs.
    return re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(lines))


def main():
    path, output = sys.argv[1], sys.argv[2]
    timeout = int(sys.argv[3]) if len(sys.argv) > 3 else 1800
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=nb.metadata.get("kernelspec", {}).get("name", "grokked-rust"),
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}},
    )
    failed = None
    try:
        client.execute()
    except CellExecutionError:
        failed = next(
            (
                (i, c)
                for i, c in enumerate(nb.cells)
                if any(o.get("output_type") == "error" for o in c.get("outputs", []))
            ),
            None,
        )
        if failed is None:
            raise
    tmp = output + ".tmp"
    nbformat.write(nb, tmp)
    os.replace(tmp, output)
    if failed is not None:
        index, cell = failed
        print(f"{path}: cell {index + 1} failed:", file=sys.stderr)
        print("-" * 40 + "\n" + cell.source + "\n" + "-" * 40, file=sys.stderr)
        print(error_report(cell), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
