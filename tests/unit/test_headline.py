"""The README's and docs/results.md's headline tables are the ones docs/headline.json gives."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from sdc1.markdown_blocks import read_block
from tests.conftest import REPO

SCRIPT = REPO / "docs" / "benchmarks" / "headline.py"
RECORD = json.loads((REPO / "docs" / "headline.json").read_text())


@pytest.fixture(scope="module")
def headline():
    # A script beside its sibling module results_block, as `python docs/benchmarks/...` runs it.
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        spec = importlib.util.spec_from_file_location("headline", SCRIPT)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(SCRIPT.parent))


def test_readme_shows_the_records_figures(headline) -> None:
    readme = (REPO / "README.md").read_text()
    assert read_block(readme, "headline") == headline.short_table(RECORD), (
        "README.md: headline block is stale; run "
        "python docs/benchmarks/headline.py --from-record docs/headline.json"
    )
    assert read_block(readme, "full-sdc1") == headline.full_sdc1_summary(
        REPO / "docs" / "benchmarks"
    )


def test_results_page_shows_the_records_figures(headline) -> None:
    results = (REPO / "docs" / "results.md").read_text()
    assert read_block(results, "headline") == headline.table(RECORD)


def test_the_readme_table_sets_the_published_solution_beside_the_real_cutout(headline) -> None:
    rows = headline.short_table(RECORD).splitlines()
    cutout = next(row for row in rows if row.startswith("| `sdc1_cutout` | 560 |"))
    assert cutout.endswith("| 1255 |")
    assert all(row.endswith("| - |") for row in rows[2:] if row is not cutout)
    assert "seeds" not in "".join(rows)


def test_full_sdc1_summary_says_whether_a_record_is_complete(headline, tmp_path: Path) -> None:
    totals = {"cpu_h": 3.5, "jobs": 400, "max_rss_mb": 8100.0, "max_rss_job": "simulate"}
    record = {"totals": totals, "complete": True, "frequencies": {"560": {"score": 12345.6}}}
    (tmp_path / "full_sdc1_8h.json").write_text(json.dumps(record))
    line = headline.full_sdc1_summary(tmp_path)
    assert line.startswith("- 8 h: complete; 3.50 CPU hours over 400 jobs")
    assert "560 MHz 12,346" in line
    record["complete"] = False
    (tmp_path / "full_sdc1_8h.json").write_text(json.dumps(record))
    assert "not run to the end yet" in headline.full_sdc1_summary(tmp_path)
