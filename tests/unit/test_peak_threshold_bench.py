"""docs/benchmarks/peak_threshold.py on a constructed run: the threshold record, the plan and
the tile logs (the A/B searches need PyBDSF on a real run and are not run here)."""

from __future__ import annotations

from pathlib import Path

from sdc1.peak_threshold import PeakThreshold, write_peak_threshold
from sdc1.tiles import Tile, write_plan
from tests.conftest import load_script

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "benchmarks" / "peak_threshold.py"


def test_pilot_and_other_tiles_are_summed_from_their_logs(tmp_path):
    module = load_script(SCRIPT)
    tiles_dir = tmp_path / "results/ds/tiles/9200mhz"
    tiles = [
        Tile("p", (0, 1000), (0, 1000), (0, 1000), (0, 1000), negated_weight=3.0),
        Tile("a", (0, 1000), (1000, 2000), (0, 1000), (1000, 2000), negated_weight=0.0),
        Tile("b", (1000, 2000), (0, 2000), (1000, 2000), (0, 2000), negated_weight=0.0),
    ]
    write_plan(tiles, (2000, 2000), tiles_dir / "tiles.json")
    write_peak_threshold(
        PeakThreshold(4.5, 3.0, 1.0, 5.5, 1, 3, 900, 40, 1, "why"),
        tiles_dir / "peak_threshold.json",
    )
    logs = tmp_path / "logs/ds/find_sources_tile"
    logs.mkdir(parents=True)
    found = "x sdc1.find_sources INFO tile {}: PyBDSF found {} sources, 9 Gaussians in {} s\n"
    cpu = "x sdc1 INFO job CPU time: {} s (this process 1 s, its child processes 0 s)\n"
    (logs / "9200_p.log").write_text(
        found.format("p", 900, 30.0) + found.format("p (negated)", 850, 28.0) + cpu.format(70.0)
    )
    (logs / "9200_a.log").write_text(found.format("a", 100, 8.0) + cpu.format(12.0))
    (logs / "9200_b.log").write_text("killed before PyBDSF finished\n")
    figures = module.measure(tmp_path, "ds", 9200, ab_tiles=0)
    assert figures["thresh_pix"] == 4.5 and figures["pilot_lost"] == 1
    assert figures["pilots"] == {
        "tiles": 1,
        "logged": 1,
        "core_mpix": 1.0,
        "image_s_per_mpix": 30.0,
        "sources_per_tile": 900.0,
        "cpu_s": 70.0,
    }
    assert figures["others"]["tiles"] == 2 and figures["others"]["logged"] == 1
    assert figures["others"]["image_s_per_mpix"] == 8.0 and figures["others"]["cpu_s"] == 12.0
    assert "ab" not in figures
    assert module.measure(tmp_path, "ds", 560, ab_tiles=0) is None
    assert module.format_text([figures]).splitlines()[1].startswith("9200 4.50")


def test_score_comparison_sets_the_two_runs_side_by_side(tmp_path):
    module = load_script(SCRIPT.with_name("peak_threshold_score.py"))
    for run, thresh, cpu, n_false, score in (
        ("a", 3.0, 100.0, 10, 50.0),
        ("b", 4.2, 60.0, 9, 51.0),
    ):
        results = tmp_path / run / "results/ds"
        (results / "scores").mkdir(parents=True)
        (results / "scores/9200mhz.json").write_text(
            '{"n_det": 40, "n_false": %d, "score": %s, "classification": {"macro_f1": 0.3}}'
            % (n_false, score)
        )
        (results / "tiles/9200mhz").mkdir(parents=True)
        (results / "tiles/9200mhz/peak_threshold.json").write_text('{"thresh_pix": %s}' % thresh)
        logs = tmp_path / run / "logs/ds/find_sources_tile"
        logs.mkdir(parents=True)
        (logs / "9200_t.log").write_text(f"x sdc1 INFO job CPU time: {cpu} s (this process)\n")
    rows = module.compare(tmp_path / "a", tmp_path / "b", "ds")
    assert [r["freq"] for r in rows] == [9200]
    assert rows[0]["cpu_ratio"] == 0.6 and rows[0]["score_ratio"] == 1.02
    assert rows[0]["chosen"]["thresh_pix"] == 4.2 and rows[0]["fixed"]["n_false"] == 10
    assert module.format_text(rows).splitlines()[1].startswith("9200  3.0 -> 4.2")
