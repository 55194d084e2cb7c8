"""Summary tables from score files and Snakemake benchmark files."""

from __future__ import annotations

import json
from pathlib import Path

from sdc1.summary import frequency_table, read_benchmark, render_html, render_markdown, summarise

SCORES = {
    "freq": 560,
    "n_det": 10,
    "n_match": 8,
    "n_false": 2,
    "score": 5.5,
    "classification": {"macro_f1": 0.6},
    "baselines": {
        "all_sfg": {"macro_f1": 0.3, "score": 5.0},
        "single_frequency": {"macro_f1": 0.5, "score": 5.4},
    },
}
BENCHMARK = "s\th:m:s\tmax_rss\tmax_vms\n12.5\t0:00:12\t300.25\t900\n"


def write_benchmarks(root: Path) -> None:
    for stage, name, text in (
        ("train", "560.tsv", BENCHMARK),
        ("train", "1400.tsv", BENCHMARK.replace("12.5", "20.0")),
        ("find_sources", "560.memory.tsv", "time\trss\n0\t1\n"),
    ):
        (root / stage).mkdir(parents=True, exist_ok=True)
        (root / stage / name).write_text(text)


def test_frequency_table_sorted_with_baselines() -> None:
    table = frequency_table([dict(SCORES, freq=1400), SCORES])
    assert table["freq"].tolist() == [560, 1400]
    row = table.iloc[0]
    assert (row["n_det"], row["n_match"], row["n_false"]) == (10, 8, 2)
    assert (row["macro_f1"], row["all_sfg_score"], row["single_macro_f1"]) == (0.6, 5.0, 0.5)


def test_summary_stages_from_benchmarks(tmp_path: Path) -> None:
    write_benchmarks(tmp_path)
    assert read_benchmark(tmp_path / "find_sources" / "560.memory.tsv") is None
    summary = summarise("toy", [SCORES], tmp_path)
    [stage] = summary["stages"]
    assert (stage["stage"], stage["jobs"], stage["wall_s_total"], stage["wall_s_max"]) == (
        "train",
        2,
        32.5,
        20.0,
    )
    assert abs(stage["peak_rss_mb"] - 300.25) < 0.1
    json.dumps(summary, allow_nan=False)
    markdown = render_markdown(summary)
    assert "| 560 | 10 | 8 | 2 |" in markdown and "| train | 2 |" in markdown
    assert "<table" in render_html(summary)


def test_summary_without_scores_or_benchmarks(tmp_path: Path) -> None:
    summary = summarise("toy", [], tmp_path / "missing")
    assert summary["frequencies"] == [] and summary["stages"] == []
    assert "Stages" in render_markdown(summary)
