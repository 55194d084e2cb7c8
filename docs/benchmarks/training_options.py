"""Classifier training options side by side: supervised, importance weights, self-training.

    python docs/benchmarks/training_options.py [RUN_FOLDER] [--seeds 2]

For each scored dataset of a finished run (the synthetic default at 560 and
1400 MHz, the real cutout at 560 MHz), retrains the primary feature set's
classifier from the run's feature table and labels, once per option and seed,
exactly as the ``train`` rule does (:func:`sdc1.classify.train_and_predict`),
and judges each on the sources the ``score`` rule judges: matched sources
outside the training area, or out-of-fold where the whole image is training
area. Prints macro F1 (median and range over seeds), the summed-probability
count bias of the two AGN classes and whether the population goal is met,
writes ``docs/benchmarks/training_options.json`` and the table between the
``training-options`` markers of docs/results.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import time
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pandas as pd
import yaml

# A sibling module: the scripts run as `python docs/benchmarks/<script>.py`.
from results_block import publish

from sdc1.class_counts import population_counts
from sdc1.classify import (
    CLASS_NAMES,
    CLASSES,
    ClassifierSettings,
    classification_metrics,
    predict_classes,
    train_and_predict,
)
from sdc1.features import feature_columns
from sdc1.score import evaluation_rows

REPO = Path(__file__).resolve().parents[2]
MARKER = "training-options"

#: The options compared: name -> overrides of ``config.classifier``.
OPTIONS: dict[str, dict[str, Any]] = {
    "supervised": {},
    "importance weights": {"importance_weights": True},
    "self-training (p >= 0.95)": {"self_training": 0.95},
}

#: (dataset, frequency) pairs judged.
CASES: tuple[tuple[str, int], ...] = (
    ("synthetic", 560),
    ("synthetic", 1400),
    ("sdc1_cutout", 560),
)


def load_table(run: Path, dataset: str, freq: int) -> pd.DataFrame | None:
    """The train rule's table (features joined with labels); None where the run lacks it."""
    results = run / "results" / dataset
    labels_path = results / "labels" / f"{freq}mhz.parquet"
    if not labels_path.exists():
        return None
    features = pd.read_parquet(results / "features.parquet")
    labels = pd.read_parquet(labels_path)
    return features[features["freq"] == freq].merge(labels, on="id", validate="1:1")


def benchmark_arguments(doc: str, json_name: str, seeds: int) -> argparse.Namespace:
    """The command line of a benchmark that retrains classifiers from a run's tables."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("run", nargs="?", default=".", type=Path, help="folder of the run")
    parser.add_argument("--seeds", type=int, default=seeds, help="forest seeds per case")
    parser.add_argument("--results-md", default=REPO / "docs" / "results.md", type=Path)
    parser.add_argument("--out", default=REPO / "docs" / "benchmarks" / json_name, type=Path)
    return parser.parse_args()


def labelled_cases(
    run: Path, cases: tuple[tuple[str, int], ...]
) -> Iterator[tuple[str, str, int, pd.DataFrame]]:
    """``(case name, dataset, frequency, train table)`` of each case the run has labels for."""
    for dataset, freq in cases:
        table = load_table(run, dataset, freq)
        if table is None:
            print(f"{dataset} {freq} MHz: no labels in this run, skipped")
            continue
        yield f"{dataset} {freq} MHz", dataset, freq, table


def run_settings(run: Path) -> ClassifierSettings:
    """The run's ``config.classifier``."""
    config = yaml.safe_load((run / "config" / "config.yaml").read_text())
    return ClassifierSettings.from_config(config["classifier"])


def judge(
    table: pd.DataFrame,
    freq: int,
    settings: ClassifierSettings,
    columns: list[str] | None = None,
) -> dict[str, Any]:
    """Train with ``settings`` (on ``columns``, by default its feature set's) and judge on the
    score rule's rows."""
    if columns is None:
        columns = feature_columns(table, freq, settings.features)
    start = time.perf_counter()
    fit = train_and_predict(table, columns, settings, n_jobs=2)
    wall_s = time.perf_counter() - start
    whole_image = bool(table["in_training_area"].all())
    rows = evaluation_rows(table, whole_image)
    true = table.loc[rows, "true_class"].to_numpy(int)
    probs = fit.probabilities[rows]
    hard = predict_classes(probs, fit.row_weights[rows])
    metrics = classification_metrics(true, hard, probs)
    population = population_counts(
        true,
        hard,
        probs,
        table.loc[rows, "log_flux"].to_numpy(float),
        table.loc[rows, "snr"].to_numpy(float),
    )
    bias = {}
    for column, cls in enumerate(CLASSES[:2]):
        n_true = int((true == cls).sum())
        bias[cls] = None if not n_true else float(probs[:, column].sum() / n_true - 1.0)
    return {
        "macro_f1": metrics["macro_f1"],
        "count_bias": {"ss_agn": bias[1], "fs_agn": bias[2]},
        "population_goal_met": population["goal_met"],
        "n_judged": int(rows.sum()),
        "wall_s": round(wall_s, 1),
    }


def per_class_f1(metrics: dict[str, Any]) -> dict[str, float]:
    """Each class's F1 from :func:`sdc1.classify.classification_metrics`."""
    return {name: metrics["per_class"][name]["f1"] for name in CLASS_NAMES.values()}


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:+.0f}%"


def markdown(record: dict[str, Any]) -> str:
    """The side-by-side table of the record."""
    lines = [
        "| case | option | macro F1: median (range) | SS-AGN / FS-AGN summed-p count bias "
        "| population goal | train wall s (2 cores) |",
        "|---|---|---|---|---|---|",
    ]
    for case, options in record["cases"].items():
        for name, runs in options.items():
            f1 = [r["macro_f1"] for r in runs]
            median = lambda key: float(np.median([r["count_bias"][key] for r in runs]))  # noqa: E731
            goal = {r["population_goal_met"] for r in runs}
            lines.append(
                f"| {case} | {name} | {np.median(f1):.3f} ({min(f1):.3f}-{max(f1):.3f}) "
                f"| {_pct(median('ss_agn'))} / {_pct(median('fs_agn'))} "
                f"| {'/'.join(str(g) for g in sorted(goal, key=str))} "
                f"| {np.median([r['wall_s'] for r in runs]):.0f} |"
            )
    return "\n".join(lines)


def main() -> None:
    args = benchmark_arguments(__doc__, "training_options.json", seeds=2)
    logging.disable(logging.INFO)
    base = run_settings(args.run)
    record: dict[str, Any] = {"seeds": args.seeds, "cases": {}}
    for case, _, freq, table in labelled_cases(args.run, CASES):
        record["cases"][case] = {}
        for name, overrides in OPTIONS.items():
            if overrides.get("importance_weights") and table["in_training_area"].all():
                print(f"{case}: {name} skipped: the whole image is training area (no field)")
                continue
            runs = []
            for seed in range(base.seed, base.seed + args.seeds):
                settings = dataclasses.replace(base, seed=seed, **overrides)
                runs.append(judge(table, freq, settings))
                print(case, name, seed, runs[-1], flush=True)
            record["cases"][case][name] = runs
    publish(record, markdown(record), args.out, args.results_md, MARKER)


if __name__ == "__main__":
    main()
