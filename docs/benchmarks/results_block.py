"""Write a generated table into docs/results.md, between its `<!-- NAME:start/end -->` markers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sdc1.markdown_blocks import write_block

__all__ = ["publish", "write_block"]


def publish(record: Any, text: str, out: Path, results_md: Path, marker: str) -> None:
    """Write a benchmark's ``record`` as JSON to ``out``, print its table ``text`` and put it
    between the ``marker`` comments of ``results_md``."""
    out.write_text(json.dumps(record, indent=1) + "\n")
    print(text)
    write_block(results_md, marker, text)
