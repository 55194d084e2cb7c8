"""docs/benchmarks/negated_share.py on constructed tile logs."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import load_script

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "benchmarks" / "negated_share.py"


def test_the_sample_saves_the_unsampled_tiles_image_time_times_the_sampled_ratio(tmp_path):
    module = load_script(SCRIPT)
    logs = tmp_path / "logs/ds/find_sources_tile"
    logs.mkdir(parents=True)
    line = (
        "2026-12-07 13:25:28,739 sdc1.find_sources INFO "
        "tile {}: PyBDSF found 4 sources, 4 Gaussians in {} s\n"
    )
    (logs / "9200_a.log").write_text(line.format("a", 10.0) + line.format("a (negated)", 8.0))
    (logs / "9200_b.log").write_text(line.format("b", 20.0))
    (logs / "9200_c.log").write_text("killed before PyBDSF finished\n")
    (logs / "560_a.log").write_text(line.format("a", 5.0) + line.format("a (negated)", 1.0))
    figures = module.negated_share(tmp_path, "ds")
    assert list(figures) == ["560", "9200"]
    assert figures["9200"] == {
        "tiles": 2,
        "tiles_negated": 1,
        "image_s": 30.0,
        "negated_s": 8.0,
        "negated_per_image_s": 0.8,
        "saved_s": 16.0,
    }
    assert figures["560"]["saved_s"] == 0.0
