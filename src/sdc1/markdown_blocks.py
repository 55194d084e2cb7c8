"""Generated text kept between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->`` comments.

Documents (``docs/results.md``, ``config/README.md``) hold hand-written prose around blocks
that scripts regenerate; these functions find and replace such a block by its marker name.
"""

from __future__ import annotations

import re
from pathlib import Path

from sdc1.io import atomic_path

__all__ = ["block", "read_block", "replace_block", "write_block"]


def block(marker: str, text: str) -> str:
    """``text`` between the ``marker`` comments, as it stands in a document.

    Parameters
    ----------
    marker : str
        Name of the block, e.g. ``"config-reference"``.
    text : str
        The block's content, without the comments.

    Returns
    -------
    str
        ``<!-- marker:start -->``, ``text`` and ``<!-- marker:end -->``, one per line.
    """
    return f"<!-- {marker}:start -->\n{text}\n<!-- {marker}:end -->"


def _pattern(marker: str) -> re.Pattern[str]:
    """The whole block of ``marker``, comments included; group 1 is its content."""
    name = re.escape(marker)
    return re.compile(rf"<!-- {name}:start -->\n?(.*?)\n?<!-- {name}:end -->", re.S)


def read_block(document: str, marker: str) -> str | None:
    """The content of the ``marker`` block of ``document``.

    Returns
    -------
    str or None
        The text between the comments (without the newlines next to them), or None when
        the document has no such block.
    """
    match = _pattern(marker).search(document)
    return None if match is None else match.group(1)


def replace_block(document: str, marker: str, text: str) -> str | None:
    """``document`` with the content of its ``marker`` block replaced by ``text``.

    Returns
    -------
    str or None
        The new document, or None when it has no such block.
    """
    pattern = _pattern(marker)
    if not pattern.search(document):
        return None
    return pattern.sub(lambda _: block(marker, text), document)


def write_block(path: Path, marker: str, text: str) -> bool:
    """Replace the content of the ``marker`` block of the file ``path`` with ``text``.

    Returns
    -------
    bool
        Whether the markers were found (the file is left alone otherwise).
    """
    before = Path(path).read_text()
    document = replace_block(before, marker, text)
    if document is None:
        return False
    if document != before:
        # Renamed into place whole: a reader (a test, the docs build) never sees half a file.
        with atomic_path(path) as tmp:
            tmp.write_text(document)
    return True
