"""One table over frequencies (scores, baselines) and one over stages (wall time, peak memory)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Iterable, Mapping

import pandas as pd

FREQUENCY_COLUMNS = (
    "freq",
    "n_det",
    "n_match",
    "n_false",
    "score",
    "macro_f1",
    "all_sfg_macro_f1",
    "all_sfg_score",
    "single_macro_f1",
    "single_score",
)


def frequency_row(scores: Mapping[str, Any]) -> dict[str, Any]:
    """The summary row of one score file (``sdc1.score.score_frequency``'s output)."""
    baselines = scores.get("baselines", {})
    return {
        "freq": int(scores["freq"]),
        "n_det": scores.get("n_det"),
        "n_match": scores.get("n_match"),
        "n_false": scores.get("n_false"),
        "score": scores.get("score"),
        "macro_f1": scores.get("classification", {}).get("macro_f1"),
        "all_sfg_macro_f1": baselines.get("all_sfg", {}).get("macro_f1"),
        "all_sfg_score": baselines.get("all_sfg", {}).get("score"),
        "single_macro_f1": baselines.get("single_frequency", {}).get("macro_f1"),
        "single_score": baselines.get("single_frequency", {}).get("score"),
    }


def frequency_table(scores: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per frequency, sorted by frequency."""
    rows = [frequency_row(s) for s in scores]
    return (
        pd.DataFrame(rows, columns=list(FREQUENCY_COLUMNS))
        .sort_values("freq")
        .reset_index(drop=True)
    )


def read_benchmark(path: str | Path) -> dict[str, float] | None:
    """Wall time (s) and peak RSS (MB) of a Snakemake benchmark file; None when it is not one."""
    try:
        table = pd.read_csv(path, sep="\t")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
        return None
    if not {"s", "max_rss"} <= set(table.columns) or len(table) == 0:
        return None
    rss = pd.to_numeric(table["max_rss"], errors="coerce")
    return {
        "s": float(pd.to_numeric(table["s"], errors="coerce").max()),
        "max_rss": float(rss.max()) if rss.notna().any() else math.nan,
    }


def stage_table(benchmark_dir: str | Path) -> pd.DataFrame:
    """Per stage (rule): jobs, total and longest wall time (s), peak RSS (MB) over its jobs.

    Reads ``<benchmark_dir>/<rule>/*.tsv``; files that are not Snakemake
    benchmarks (no ``s`` and ``max_rss`` columns) are skipped.
    """
    rows = []
    root = Path(benchmark_dir)
    for stage_dir in sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []:
        jobs = [
            b
            for b in (read_benchmark(f) for f in sorted(stage_dir.glob("*.tsv")))
            if b is not None
        ]
        if not jobs:
            continue
        rss = [j["max_rss"] for j in jobs if not math.isnan(j["max_rss"])]
        rows.append(
            {
                "stage": stage_dir.name,
                "jobs": len(jobs),
                "wall_s_total": round(sum(j["s"] for j in jobs), 2),
                "wall_s_max": round(max(j["s"] for j in jobs), 2),
                "peak_rss_mb": round(max(rss), 1) if rss else None,
            }
        )
    return pd.DataFrame(
        rows, columns=["stage", "jobs", "wall_s_total", "wall_s_max", "peak_rss_mb"]
    )


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def markdown_table(table: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table."""
    header = "| " + " | ".join(table.columns) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    body = [
        "| " + " | ".join(_cell(v) for v in row) + " |"
        for row in table.astype(object).itertuples(index=False)
    ]
    return "\n".join([header, rule, *body]) + "\n"


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    # JSON has no NaN: missing values become null.
    return json.loads(table.to_json(orient="records"))


def summarise(
    dataset: str, scores: Iterable[Mapping[str, Any]], benchmark_dir: str | Path
) -> dict[str, Any]:
    """The summary document: ``frequencies`` and ``stages`` as lists of records."""
    return {
        "dataset": dataset,
        "frequencies": _records(frequency_table(scores)),
        "stages": _records(stage_table(benchmark_dir)),
    }


def render_markdown(summary: Mapping[str, Any]) -> str:
    """The summary document as Markdown."""
    freqs = pd.DataFrame(summary["frequencies"], columns=list(FREQUENCY_COLUMNS))
    stages = pd.DataFrame(
        summary["stages"], columns=["stage", "jobs", "wall_s_total", "wall_s_max", "peak_rss_mb"]
    )
    return (
        f"# SDC1 summary: {summary['dataset']}\n\n"
        "## Scores by frequency\n\n"
        "Detections, matches and false detections from ska-sdc; "
        "macro F1 over the classes present;\n"
        "baselines: every source SFG (`all_sfg`) "
        "and a single-frequency random forest (`single`).\n\n"
        + markdown_table(freqs)
        + "\n## Stages\n\nWall time (s) and peak resident memory (MB) from `benchmarks/`.\n\n"
        + markdown_table(stages)
    )


def render_html(summary: Mapping[str, Any]) -> str:
    """The summary document as a standalone HTML page (for the Snakemake report)."""
    freqs = pd.DataFrame(summary["frequencies"], columns=list(FREQUENCY_COLUMNS))
    stages = pd.DataFrame(
        summary["stages"], columns=["stage", "jobs", "wall_s_total", "wall_s_max", "peak_rss_mb"]
    )
    style = (
        "table{border-collapse:collapse}"
        "td,th{border:1px solid #999;padding:2px 6px;text-align:right}"
    )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>SDC1 summary: {summary['dataset']}</title>"
        f"<style>{style}</style></head><body>"
        f"<h1>SDC1 summary: {summary['dataset']}</h1><h2>Scores by frequency</h2>"
        + freqs.to_html(index=False, na_rep="-", float_format=lambda v: _cell(float(v)))
        + "<h2>Stages</h2>"
        + stages.to_html(index=False, na_rep="-", float_format=lambda v: _cell(float(v)))
        + "</body></html>\n"
    )


def summarise_files(
    dataset: str, score_paths: Iterable[str | Path], benchmark_dir: str | Path
) -> dict[str, Any]:
    """:func:`summarise` of the score files at ``score_paths``."""
    scores = [json.loads(Path(path).read_text()) for path in score_paths]
    return summarise(dataset, scores, benchmark_dir)


def write_summary(
    summary: Mapping[str, Any],
    *,
    markdown: str | Path,
    json_path: str | Path,
    html: str | Path,
) -> None:
    """Write the summary document as Markdown, JSON and HTML, each atomically."""
    from sdc1.io import atomic_path, write_json

    write_json(dict(summary), json_path)
    for text, path in ((render_markdown(summary), markdown), (render_html(summary), html)):
        with atomic_path(path) as tmp:
            tmp.write_text(text)


def describe_summary(summary: Mapping[str, Any]) -> str:
    """One line for the log: how many frequencies and stages were summarised."""
    return f"{len(summary['frequencies'])} frequencies, {len(summary['stages'])} stages summarised"
