"""config/README.md's key tables state the defaults that config/config.yaml sets."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.conftest import REPO

README = (REPO / "config" / "README.md").read_text()
CONFIG = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
# "### `section`" and the "| key | default | meaning |" table under it.
SECTION = re.compile(
    r"^### `(\w+)`\n\n\| key \| default \| meaning \|\n\|---.*?\n((?:\|.*\n)+)", re.M
)
ROW = re.compile(r"^\| `(\w+)` \| `([^`]*)` \|", re.M)


def documented_defaults() -> list[tuple[str, str, str]]:
    """(section, key, default as written) for every row with a default in backticks."""
    rows = []
    for section, table in SECTION.findall(README):
        rows += [(section, key, default) for key, default in ROW.findall(table)]
    return rows


def test_the_tables_are_found() -> None:
    sections = {section for section, _, _ in documented_defaults()}
    assert {"sourcefind", "catalogue", "calibrate", "classifier", "score"} <= sections


@pytest.mark.parametrize("section,key,default", documented_defaults())
def test_documented_default_is_the_configured_one(section: str, key: str, default: str) -> None:
    assert key in CONFIG[section], f"config/README.md: {section}.{key} is not in config.yaml"
    configured = CONFIG[section][key]
    assert yaml.safe_load(default) == configured, (
        f"config/README.md: {section}.{key} default {default}, config.yaml {configured!r}"
    )


def test_every_configured_key_is_documented() -> None:
    documented = {(section, key) for section, key, _ in documented_defaults()}
    sections = {section for section, _ in documented}
    missing = [
        f"{section}.{key}"
        for section in sections
        for key, value in CONFIG[section].items()
        if (section, key) not in documented and not isinstance(value, dict)
    ]
    assert not missing, f"config/README.md lacks {missing}"
