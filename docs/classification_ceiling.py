"""How well the SDC1 classes separate on the *true* source properties: the ceiling of any
catalogue.

Trains the workflow's calibrated random forest (default ``config.classifier`` settings) on
the real 560 MHz training truth, 5-fold stratified cross-validation, once per feature
set, and prints macro F1 and per-class F1. The true core fraction and size separate
the classes almost perfectly; the spectral index alone does not (steep- and
flat-spectrum AGN overlap), and none of these are measured noise-free in an image.

Usage: .venv/bin/python docs/classification_ceiling.py [../shared/sdc1-sample/training-truth]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from sdc1.classify import (
    CLASSES,
    ClassifierSettings,
    class_probabilities,
    classification_metrics,
    fit_classifier,
)
from sdc1.io import read_sdc1_catalogue

FEATURE_SETS: dict[str, list[str]] = {
    "log flux, core fraction, sizes, size type": [
        "log_flux",
        "core_frac",
        "b_maj",
        "b_min",
        "size",
    ],
    "core fraction only": ["core_frac"],
    "log flux and sizes": ["log_flux", "b_maj", "b_min"],
    "log flux and spectral index 560-1400": ["log_flux", "alpha"],
    "spectral index 560-1400 only": ["alpha"],
}


def truth_table(folder: Path) -> pd.DataFrame:
    """560 MHz training truth with the true 560-1400 MHz spectral index where the source is in
    both."""
    b1 = read_sdc1_catalogue(folder / "TrainingSet_B1_v2_ML.txt", skiprows=18)
    b2 = read_sdc1_catalogue(folder / "TrainingSet_B2_v2_ML.txt", skiprows=18)
    table = b1.merge(b2[["id", "flux"]], on="id", how="left", suffixes=("", "_1400"))
    table["alpha"] = np.log(table["flux_1400"] / table["flux"]) / np.log(1400.0 / 560.0)
    table["log_flux"] = np.log10(table["flux"])
    return table


def cross_validated_metrics(table: pd.DataFrame, columns: list[str], seed: int = 20190219) -> dict:
    """Macro F1 of out-of-fold predictions (argmax of calibrated probabilities)."""
    labels = table["class"].to_numpy(int)
    features = table[columns]
    settings = ClassifierSettings(seed=seed)
    probs = np.zeros((len(table), len(CLASSES)))
    for train, test in StratifiedKFold(5, shuffle=True, random_state=seed).split(features, labels):
        model = fit_classifier(features.iloc[train], labels[train], settings, n_jobs=2)
        probs[test] = class_probabilities(model, features.iloc[test])
    return classification_metrics(labels, np.asarray(CLASSES)[probs.argmax(axis=1)])


def main(folder: Path) -> None:
    table = truth_table(folder)
    both = table[table["alpha"].notna()]
    print(
        f"560 MHz training truth: {len(table)} sources, "
        f"{len(both)} also in the 1400 MHz training truth"
    )
    print("| true features | sources | macro F1 | F1 SS-AGN / FS-AGN / SFG |")
    print("|---|---|---|---|")
    for name, columns in FEATURE_SETS.items():
        sample = both if "alpha" in columns else table
        metrics = cross_validated_metrics(sample, columns)
        f1 = [metrics["per_class"][k]["f1"] for k in ("ss_agn", "fs_agn", "sfg")]
        print(
            f"| {name} | {len(sample)} | {metrics['macro_f1']:.2f} | "
            f"{' / '.join(f'{v:.2f}' for v in f1)} |"
        )


if __name__ == "__main__":
    main(
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).resolve().parents[1]
        / ".."
        / "shared"
        / "sdc1-sample"
        / "training-truth"
    )
