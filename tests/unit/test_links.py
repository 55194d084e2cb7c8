"""Every relative link of the Markdown documents leads to a file, and to its heading if named.

The documentation site's build (`make docs`, warnings as errors) checks the links between its
pages; this checks the documents as the repository's web view shows them (README.md,
config/README.md, CHANGELOG.md and docs/*.md), whose links reach outside docs/ too.
Links to other sites are not checked: CI has no network beyond the package registries.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import REPO

DOCUMENTS = sorted(
    [REPO / "README.md", REPO / "config" / "README.md", REPO / "CHANGELOG.md"]
    + list((REPO / "docs").glob("*.md"))
)
#: ``[text](target)`` or ``![alt](target)``, outside code spans and blocks.
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.M | re.S)
CODE = re.compile(r"`[^`\n]*`")


def github_slug(heading: str) -> str:
    """The anchor GitHub (and MyST's heading anchors) give a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The heading anchors of a Markdown file."""
    text = FENCE.sub("", path.read_text())
    return {github_slug(h) for h in re.findall(r"^#{1,6} (.+)$", text, re.M)}


def links(path: Path) -> list[str]:
    """The relative link targets of a Markdown file."""
    text = CODE.sub("", FENCE.sub("", path.read_text()))
    return [t for t in LINK.findall(text) if not re.match(r"^[a-z]+:", t)]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(REPO)))
def test_relative_links_resolve(document: Path) -> None:
    broken = []
    for target in links(document):
        name, _, anchor = target.partition("#")
        path = (document.parent / name).resolve() if name else document
        if not path.exists():
            broken.append(f"{target} (no file {path.relative_to(REPO)})")
        elif anchor and path.suffix == ".md" and anchor not in anchors(path):
            broken.append(f"{target} (no heading #{anchor} in {path.relative_to(REPO)})")
    assert not broken, f"{document.relative_to(REPO)}: broken links: {broken}"


def test_links_are_found() -> None:
    assert "docs/getting-started.md" in links(REPO / "README.md")
    assert github_slug("Why macro F1, not the SDC score, judges classification") == (
        "why-macro-f1-not-the-sdc-score-judges-classification"
    )
