"""Write a generated table into docs/results.md, between its `<!-- NAME:start/end -->` markers."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any


def write_block(results_md: Path, marker: str, text: str) -> bool:
    """Replace what lies between the ``marker`` comments of ``results_md`` with ``text``.

    Returns
    -------
    bool
        Whether the markers were found (the file is left alone otherwise).
    """
    block = f"<!-- {marker}:start -->\n{text}\n<!-- {marker}:end -->"
    name = re.escape(marker)
    pattern = re.compile(rf"<!-- {name}:start -->.*?<!-- {name}:end -->", re.S)
    document = results_md.read_text()
    if not pattern.search(document):
        return False
    results_md.write_text(pattern.sub(lambda _: block, document))
    return True


def publish(record: Any, text: str, out: Path, results_md: Path, marker: str) -> None:
    """Write a benchmark's ``record`` as JSON to ``out``, print its table ``text`` and put it
    between the ``marker`` comments of ``results_md``."""
    out.write_text(json.dumps(record, indent=1) + "\n")
    print(text)
    write_block(results_md, marker, text)
