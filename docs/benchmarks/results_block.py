"""Write a generated table into docs/results.md, between its `<!-- NAME:start/end -->` markers."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from sdc1.markdown_blocks import write_block

__all__ = [
    "measure_in_own_process",
    "one_measurement",
    "publish",
    "publish_rows",
    "run_arguments",
    "write_block",
]


def publish(record: Any, text: str, out: Path, results_md: Path, marker: str) -> None:
    """Write a benchmark's ``record`` as JSON to ``out``, print its table ``text`` and put it
    between the ``marker`` comments of ``results_md``."""
    out.write_text(json.dumps(record, indent=1) + "\n")
    print(text)
    write_block(results_md, marker, text)


def run_arguments(parser: argparse.ArgumentParser, block: str) -> None:
    """The arguments of a script that measures a run's frequencies: ``run_dir``, ``dataset``,
    ``--freq``, and where its figures go (``--out`` JSON, ``--results-md`` block ``--block``)."""
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("dataset")
    parser.add_argument("--freq", type=int, nargs="+", default=[560, 1400, 9200])
    parser.add_argument("--out", type=Path, help="JSON record")
    parser.add_argument("--results-md", type=Path)
    parser.add_argument("--block", default=block)


def publish_rows(rows: Any, text: str, command: str, args: argparse.Namespace) -> None:
    """Print ``text``; write ``rows`` to ``args.out`` and ``command`` with ``text`` to the
    block of ``args.results_md``, where given (:func:`run_arguments`)."""
    print(text)
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1) + "\n")
    if args.results_md:
        write_block(args.results_md, args.block, f"```\n$ {command}\n{text}\n```")


def measure_in_own_process(script: str, *args: str) -> dict[str, Any]:
    """Run ``script --one ARGS`` in a fresh interpreter and return the JSON of its last
    line: each measurement's peak RSS (``ru_maxrss``) is then its own."""
    command = [sys.executable, script, "--one", *args]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def one_measurement(argv: list[str]) -> list[str] | None:
    """The arguments of a ``--one`` call (:func:`measure_in_own_process`), else None."""
    return argv[1:] if argv[:1] == ["--one"] else None
