"""What measurement costs the classifier: the same sources classified from their true
properties and from the run's measurements, side by side.

    python docs/benchmarks/measurement_ceiling.py [RUN_FOLDER]

For each scored dataset of a finished run (the synthetic default at 560 and
1400 MHz, the real cutout at 560 MHz), takes every catalogue source matched to
the truth (as the ``label`` rule matches them, :func:`sdc1.match.match_to_truth`)
and trains the workflow's calibrated forest on them three times: on the
workflow's measured features, on their truth matches' true flux, sizes and core
fraction, and on true flux and sizes only. The truth's sizes follow a different
convention per class (largest angular size, Gaussian FWHM, exponential scale
length, flagged by ``size``), so they are first turned into Gaussian FWHM as
ska-sdc does (:func:`sdc1.simulate.population.fwhm_factor`) and the flag is not
a feature. The truth's core fraction is a physical property, but note that it
is 0 for every SFG. All three are judged the same way: out-of-fold by sky
blocks, with nested decision weights
(:func:`sdc1.classify.nested_decision_weights`), over all matched sources (not
only those outside the training area: this compares feature sets, it is not the
workflow's figure). Also prints the median true (FWHM) and measured major axes
of each class. Writes ``docs/benchmarks/measurement_ceiling.json`` and the table between
the ``measurement-ceiling`` markers of docs/results.md.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from astropy.io import fits

# Sibling modules: the scripts run as `python docs/benchmarks/<script>.py`.
from results_block import publish
from training_options import benchmark_arguments, labelled_cases, per_class_f1, run_settings

from sdc1.beam import beam_arcsec_from_header
from sdc1.classify import (
    CLASS_NAMES,
    ClassifierSettings,
    classification_metrics,
    nested_decision_weights,
    out_of_fold_probabilities,
    predict_classes,
    spatial_groups,
)
from sdc1.features import feature_columns
from sdc1.io import read_sdc1_catalogue, read_table
from sdc1.match import match_to_truth
from sdc1.simulate.population import fwhm_factor

MARKER = "measurement-ceiling"

#: (dataset, frequency) pairs judged.
CASES: tuple[tuple[str, int], ...] = (
    ("synthetic", 560),
    ("synthetic", 1400),
    ("sdc1_cutout", 560),
)

#: The truth's properties (columns suffixed ``_t`` by :func:`match_to_truth`) of each
#: true-feature set.
TRUE_SETS: dict[str, tuple[str, ...]] = {
    "true flux, sizes, core fraction": ("log_flux_t", "fwhm_maj_t", "fwhm_min_t", "core_frac_t"),
    "true flux and sizes": ("log_flux_t", "fwhm_maj_t", "fwhm_min_t"),
}


def with_truth(run: Path, dataset: str, freq: int, table: pd.DataFrame) -> pd.DataFrame:
    """The matched rows of ``table`` with their truth match's properties (``*_t`` columns)."""
    results = run / "results" / dataset
    catalogue = read_table(results / "catalogues" / f"{freq}mhz.csv").reset_index(drop=True)
    truth = read_sdc1_catalogue(run / "data" / dataset / "truth" / f"{freq}mhz.txt")
    beam = beam_arcsec_from_header(fits.getheader(results / "pbcor" / f"{freq}mhz.fits"))
    radius = yaml.safe_load((run / "config" / "config.yaml").read_text())["label"][
        "match_radius_beams"
    ]
    matches = match_to_truth(catalogue, truth.reset_index(drop=True), beam, radius_beams=radius)
    matches["id"] = catalogue.loc[matches["cat_index"].to_numpy(int), "id"].to_numpy()
    matches["log_flux_t"] = np.log10(matches["flux_t"].to_numpy(float))
    factor = fwhm_factor(matches["size_t"].to_numpy())
    matches["fwhm_maj_t"] = matches["b_maj_t"].to_numpy(float) * factor
    matches["fwhm_min_t"] = matches["b_min_t"].to_numpy(float) * factor
    out = table.merge(matches, on="id", validate="1:1")
    if len(out) != len(table) or not (out["class_t"] == out["true_class"]).all():
        raise SystemExit(
            f"{dataset} {freq} MHz: the truth matches differ from the run's labels; "
            "rerun the label step with the current config"
        )
    return out


def judge_matched(
    table: pd.DataFrame, columns: list[str], settings: ClassifierSettings
) -> dict[str, Any]:
    """Macro F1 of every matched row, out-of-fold by sky blocks with nested decision weights."""
    labels = table["true_class"].to_numpy(int)
    groups = spatial_groups(table["ra_core"], table["dec_core"], settings.n_folds)
    features = table[columns]
    probs = out_of_fold_probabilities(features, labels, groups, settings, n_jobs=2)
    weights = nested_decision_weights(features, labels, groups, settings, n_jobs=2)
    metrics = classification_metrics(labels, predict_classes(probs, weights), probs)
    return {
        "macro_f1": metrics["macro_f1"],
        "f1": per_class_f1(metrics),
    }


def sizes(table: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Median true (Gaussian FWHM) and measured major axis (arcsec) and count of each class."""
    out = {}
    for cls, name in CLASS_NAMES.items():
        rows = table["true_class"] == cls
        out[name] = {
            "n": int(rows.sum()),
            "b_maj_true": float(table.loc[rows, "fwhm_maj_t"].median()),
            "b_maj_measured": float(table.loc[rows, "b_maj"].median()),
        }
    return out


def markdown(record: dict[str, Any]) -> str:
    """The side-by-side table of the record."""
    names = list(next(iter(record["cases"].values()))["feature_sets"])
    lines = [
        "| case | matched (SS-AGN, FS-AGN) | "
        + " | ".join(f"{n}: macro F1 (SS / FS)" for n in names)
        + ' | SS-AGN major axis: true FWHM / measured (") | SFG: true FWHM / measured (") |',
        "|---|---|" + "---|" * len(names) + "---|---|",
    ]
    for case, entry in record["cases"].items():
        s = entry["sizes"]
        cells = [
            f"{r['macro_f1']:.2f} ({r['f1']['ss_agn']:.2f} / {r['f1']['fs_agn']:.2f})"
            for r in entry["feature_sets"].values()
        ]
        lines.append(
            f"| {case} | {sum(v['n'] for v in s.values())} "
            f"({s['ss_agn']['n']}, {s['fs_agn']['n']}) | "
            + " | ".join(cells)
            + f" | {s['ss_agn']['b_maj_true']:.1f} / {s['ss_agn']['b_maj_measured']:.1f}"
            f" | {s['sfg']['b_maj_true']:.1f} / {s['sfg']['b_maj_measured']:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    args = benchmark_arguments(__doc__, "measurement_ceiling.json", seeds=1)
    logging.disable(logging.INFO)
    settings = run_settings(args.run)
    record: dict[str, Any] = {"cases": {}}
    for case, dataset, freq, table in labelled_cases(args.run, CASES):
        matched = with_truth(args.run, dataset, freq, table[table["true_class"].notna()])
        feature_sets = {"measured (the workflow's)": feature_columns(matched, freq, "multi")}
        feature_sets.update({name: list(cols) for name, cols in TRUE_SETS.items()})
        results = {}
        for name, columns in feature_sets.items():
            results[name] = judge_matched(matched, columns, settings)
            print(case, name, round(results[name]["macro_f1"], 3), flush=True)
        record["cases"][case] = {"feature_sets": results, "sizes": sizes(matched)}
    publish(record, markdown(record), args.out, args.results_md, MARKER)


if __name__ == "__main__":
    main()
