"""Morphology tags against the truth, and a classifier that sees only the tags.

    python docs/benchmarks/tag_agreement.py [RUN_FOLDER]

For each scored catalogue of a finished run (synthetic default at 560 and 1400
MHz, the real cutout at 560 MHz): matches the catalogue to its truth as the
label step does, compares each measured tag with the same rule applied to the
truth (:func:`sdc1.morphology.truth_tags`: agreement, Cohen's kappa, precision,
recall), and trains the workflow's classifier on the ten tags alone, judged as
the score step judges (out-of-fold inside the training area where the image is
all training area, else outside it), beside the run's own macro F1. Writes
``docs/benchmarks/tag_agreement.json`` and the tables between the
``tag-agreement`` markers of docs/results.md.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from astropy.io import fits

# A sibling module: the scripts run as `python docs/benchmarks/<script>.py`.
from results_block import publish

from sdc1.beam import beam_arcsec_from_header
from sdc1.classify import (
    ClassifierSettings,
    classification_metrics,
    predict_classes,
    train_and_predict,
)
from sdc1.io import read_sdc1_catalogue
from sdc1.match import match_to_truth
from sdc1.morphology import TAGS, TRUTH_TAGS, TagThresholds, tag_agreement, tag_table, truth_tags
from sdc1.score import evaluation_rows

REPO = Path(__file__).resolve().parents[2]
MARKER = "tag-agreement"
CASES: tuple[tuple[str, int], ...] = (
    ("synthetic", 560),
    ("synthetic", 1400),
    ("sdc1_cutout", 560),
)


def case_record(run: Path, dataset: str, freq: int, config: dict[str, Any]) -> dict[str, Any]:
    """Agreement per tag and the tags-only classifier's macro F1 of one catalogue."""
    results = run / "results" / dataset
    catalogue = pd.read_csv(results / "catalogues" / f"{freq}mhz.csv")
    labels = pd.read_parquet(results / "labels" / f"{freq}mhz.parquet")
    truth = read_sdc1_catalogue(run / "data" / dataset / "truth" / f"{freq}mhz.txt")
    beam = beam_arcsec_from_header(fits.getheader(results / "pbcor" / f"{freq}mhz.fits"))
    matches = match_to_truth(
        catalogue, truth, beam, radius_beams=config["label"]["match_radius_beams"]
    )
    rows = catalogue.loc[matches["cat_index"].to_numpy(int)]
    matched_truth = truth.loc[matches["truth_index"].to_numpy(int)]
    thresholds = TagThresholds(**config["catalogue"].get("tags", {}))
    measured = tag_table(rows).reset_index(drop=True)
    expected = truth_tags(
        matched_truth.reset_index(drop=True), rows["isl_rms"].to_numpy(float), beam, thresholds
    )
    agreement = tag_agreement(measured, expected)

    table = catalogue[["id", "ra_core", "dec_core"]].join(tag_table(catalogue).astype(float))
    table = table.merge(labels, on="id", validate="1:1")
    settings = ClassifierSettings.from_config(config["classifier"])
    fit = train_and_predict(table, list(TAGS), settings, n_jobs=2)
    judged = evaluation_rows(table, bool(table["in_training_area"].all()))
    true = table.loc[judged, "true_class"].to_numpy(int)
    hard = predict_classes(fit.probabilities[judged], fit.row_weights[judged])
    scores = json.loads((results / "scores" / f"{freq}mhz.json").read_text())
    return {
        "n_matched": int(len(matches)),
        "agreement": agreement,
        "tags_only_macro_f1": classification_metrics(true, hard)["macro_f1"],
        "workflow_macro_f1": scores["classification"]["macro_f1"],
        "all_sfg_macro_f1": scores["baselines"]["all_sfg"]["macro_f1"],
        "n_judged": int(judged.sum()),
    }


def _value(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def markdown(record: dict[str, Any]) -> str:
    """Two tables: agreement per tag and case, then the tags-only classifier."""
    cases = list(record)
    lines = [
        "| tag (rule on the truth) | "
        + " | ".join(f"{c}: kappa (agreement; measured / truth)" for c in cases)
        + " |",
        "|---|" + "---|" * len(cases),
    ]
    for tag, rule in TRUTH_TAGS.items():
        cells = []
        for case in cases:
            a = record[case]["agreement"][tag]
            counts = f"{a['n_measured']} / {a['n_truth']}"
            cells.append(f"{_value(a['kappa'])} ({_value(a['agreement'])}; {counts})")
        lines.append(f"| `{tag}` ({rule}) | " + " | ".join(cells) + " |")
    lines += [
        "",
        "| case | matched | judged | macro F1, tags only | macro F1, the workflow | all-SFG |",
        "|---|---|---|---|---|---|",
    ]
    for case in cases:
        r = record[case]
        lines.append(
            f"| {case} | {r['n_matched']} | {r['n_judged']} | {_value(r['tags_only_macro_f1'])} "
            f"| {_value(r['workflow_macro_f1'])} | {_value(r['all_sfg_macro_f1'])} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", nargs="?", default=".", type=Path, help="folder of the run")
    parser.add_argument("--results-md", default=REPO / "docs" / "results.md", type=Path)
    parser.add_argument(
        "--out", default=REPO / "docs" / "benchmarks" / "tag_agreement.json", type=Path
    )
    args = parser.parse_args()
    logging.disable(logging.INFO)
    config = yaml.safe_load((args.run / "config" / "config.yaml").read_text())
    record = {}
    for dataset, freq in CASES:
        if not (args.run / "results" / dataset / "scores" / f"{freq}mhz.json").exists():
            print(f"{dataset} {freq} MHz: not scored in this run, skipped")
            continue
        record[f"{dataset} {freq} MHz"] = case_record(args.run, dataset, freq, config)
    publish(record, markdown(record), args.out, args.results_md, MARKER)


if __name__ == "__main__":
    main()
