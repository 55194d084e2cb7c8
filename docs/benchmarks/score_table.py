"""The per-frequency score table of a run, from its score files, into docs/results.md.

    python docs/benchmarks/score_table.py [RUN_FOLDER] [--dataset synthetic]

Reads ``results/<dataset>/scores/*.json`` and ``results/<dataset>/catalogues/*.csv``,
prints a markdown table (detections, false detections beside the predicted count,
SDC score, macro F1 beside its baselines, per-class F1 with support, ECE) and
rewrites the block between the ``score-table:<dataset>`` markers of docs/results.md;
and the same for macro F1 at each S/N floor (``classification.by_snr``) between the
``by-snr:<dataset>`` markers.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pandas as pd

# A sibling module: the scripts run as `python docs/benchmarks/<script>.py`.
from results_block import write_block

REPO = Path(__file__).resolve().parents[2]
CLASS_KEYS = ("ss_agn", "fs_agn", "sfg")


def _f1(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def row(freq: int, scores: dict[str, Any], n_catalogue: int) -> str:
    """One frequency's markdown row."""
    classification = scores["classification"]
    baselines = scores["baselines"]
    per_class = classification.get("per_class") or {}
    classes = " / ".join(
        f"{_f1(per_class[k]['f1'])} ({per_class[k]['support']})" if k in per_class else "-"
        for k in CLASS_KEYS
    )
    fallback = classification.get("fallback")
    if fallback is not None:
        classes = f"fallback to class {fallback['class']}: {fallback['reason']}"
    ece = classification.get("expected_calibration_error")
    predicted = scores.get("predicted_false")
    cells = [
        str(freq),
        str(n_catalogue),
        str(scores["n_det"]),
        f"{scores['n_false']} ({'-' if predicted is None else f'{predicted:.0f}'})",
        f"{scores['score']:.0f}",
        f"**{_f1(classification.get('macro_f1'))}**",
        _f1(baselines["single_frequency"]["macro_f1"]),
        _f1(baselines["all_sfg"]["macro_f1"]),
        classes,
        "-" if ece is None else f"{ece:.3f}",
    ]
    return "| " + " | ".join(cells) + " |"


def table(run: Path, dataset: str) -> str:
    """The markdown table of every scored frequency of ``dataset`` in ``run``."""
    results = run / "results" / dataset
    lines = [
        "| MHz | catalogue | scored detections | false (predicted) | SDC score | macro F1 "
        "| single-frequency | all-SFG | F1 SS-AGN / FS-AGN / SFG (support) | ECE |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    paths = sorted(
        (results / "scores").glob("*mhz.json"), key=lambda p: int(p.name.split("mhz")[0])
    )
    for path in paths:
        freq = int(path.name.split("mhz")[0])
        catalogue = pd.read_csv(results / "catalogues" / f"{freq}mhz.csv")
        lines.append(row(freq, json.loads(path.read_text()), len(catalogue)))
    return "\n".join(lines)


def _score_files(run: Path, dataset: str) -> list[tuple[int, dict[str, Any]]]:
    paths = (run / "results" / dataset / "scores").glob("*mhz.json")
    files = [(int(p.name.split("mhz")[0]), json.loads(p.read_text())) for p in paths]
    return sorted(files, key=lambda item: item[0])


def snr_table(run: Path, dataset: str) -> str:
    """Macro F1 of the configured feature set's forest (``multi`` by default) and the
    single-frequency one at each S/N floor, with supports."""
    scored = [
        (freq, scores)
        for freq, scores in _score_files(run, dataset)
        if scores["classification"].get("by_snr")
        and scores["classification"].get("fallback") is None
    ]
    if not scored:
        return "(no frequency of this run has a classifier)"
    floors = [b["min_snr"] for b in scored[0][1]["classification"]["by_snr"]]
    lines = [
        "| MHz | all matched | " + " | ".join(f"S/N >= {f:g}" for f in floors) + " |",
        "|---|---|" + "---|" * len(floors),
    ]
    for freq, scores in scored:
        classification = scores["classification"]
        # The by-S/N entries are named after the configured feature set (classifier.features).
        feature_set = classification["feature_set"]
        label = "multi-frequency" if feature_set == "multi" else f"{feature_set} features"
        single = scores["baselines"]["single_frequency"]["macro_f1"]
        per_class = classification["per_class"]
        f1 = [f"{_f1(classification['macro_f1'])} / {_f1(single)}"]
        counts = [
            f"{classification['n_sources']} ({per_class['ss_agn']['support']}, "
            f"{per_class['fs_agn']['support']})"
        ]
        for entry in classification["by_snr"]:
            f1.append(
                f"{_f1(entry[feature_set]['macro_f1'])} / "
                f"{_f1(entry['single_frequency']['macro_f1'])}"
            )
            support = entry["support"]
            counts.append(f"{entry['n_sources']} ({support['ss_agn']}, {support['fs_agn']})")
        lines.append(f"| {freq}: {label} / single-frequency | " + " | ".join(f1) + " |")
        lines.append(f"| {freq}: sources (SS-AGN, FS-AGN) | " + " | ".join(counts) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", nargs="?", default=".", type=Path, help="folder of the run")
    parser.add_argument("--dataset", default="synthetic")
    parser.add_argument("--results-md", default=REPO / "docs" / "results.md", type=Path)
    args = parser.parse_args()
    text = table(args.run, args.dataset)
    print(text)
    write_block(args.results_md, f"score-table:{args.dataset}", text)
    text = snr_table(args.run, args.dataset)
    print(text)
    write_block(args.results_md, f"by-snr:{args.dataset}", text)


if __name__ == "__main__":
    main()
