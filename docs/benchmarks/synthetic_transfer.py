"""Does the synthetic sky teach the real one? The real cutout classified with and without the
synthetic sky's labelled sources in the training set.

    python docs/benchmarks/synthetic_transfer.py [RUN_FOLDER] [--seeds 2]

The real 560 MHz cutout has 37 labelled sources of each AGN class; the synthetic
default's 560 MHz image has about as many again, from a sky drawn from SDC1's
populations and rendered to look like the cutout. For each forest seed the
cutout's matched sources are classified out-of-fold by sky blocks
(:func:`sdc1.classify.spatial_groups`), each fold by a forest trained on the
single-frequency features (the cutout has one frequency) of
- the cutout's other folds (the workflow's way);
- the cutout's other folds and every matched synthetic 560 MHz source;
- the synthetic sources alone.
None of the synthetic sources is judged. Their sky is another one, but its
populations were fitted to SDC1's training truth, which includes the cutout's
sources (``resources/population/fit_population.py``), so "the synthetic sky
alone" is not wholly independent of the cutout's labels. The decision weights
that judge fold ``k`` are nested
(:func:`sdc1.classify.nested_decision_weights`, the synthetic sources joining
every fit through ``TrainingExtras.elsewhere``): tuned on the other folds'
probabilities, each fold ``j`` predicted by a model trained without folds ``j``
and ``k``, so no label of fold ``k`` reaches them. Writes
``docs/benchmarks/synthetic_transfer.json`` and the table between the
``synthetic-transfer`` markers of docs/results.md.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import numpy as np
import pandas as pd

# Sibling modules: the scripts run as `python docs/benchmarks/<script>.py`.
from results_block import publish
from training_options import benchmark_arguments, load_table, per_class_f1, run_settings

from sdc1.classify import (
    ClassifierSettings,
    TrainingExtras,
    class_probabilities,
    classification_metrics,
    fit_classifier,
    group_folds,
    macro_f1_weights,
    nested_decision_weights,
    out_of_fold_probabilities,
    predict_classes,
    spatial_groups,
)
from sdc1.features import feature_columns

MARKER = "synthetic-transfer"

#: Training sets compared: name -> (the cutout's other folds, the synthetic sources).
TRAINING_SETS: dict[str, tuple[bool, bool]] = {
    "the cutout's other folds": (True, False),
    "the cutout's other folds + the synthetic sky": (True, True),
    "the synthetic sky alone": (False, True),
}


def matched(table: pd.DataFrame) -> pd.DataFrame:
    """The labelled rows of a train table."""
    return table[table["true_class"].notna()].reset_index(drop=True)


def judge_cutout(
    cutout: pd.DataFrame,
    synthetic: pd.DataFrame,
    columns: list[str],
    settings: ClassifierSettings,
    use: tuple[bool, bool],
) -> dict[str, Any]:
    """Macro F1 of the cutout's sources, out-of-fold with nested decision weights, trained on
    the ``use``d sets."""
    labels = cutout["true_class"].to_numpy(int)
    features = cutout[columns]
    groups = spatial_groups(cutout["ra_core"], cutout["dec_core"], settings.n_folds)
    elsewhere = (synthetic[columns], synthetic["true_class"].to_numpy(int))
    if use[0]:
        # The workflow's folds and nesting, the synthetic sources joining every fit.
        extras = TrainingExtras(elsewhere=elsewhere) if use[1] else None
        probs = out_of_fold_probabilities(features, labels, groups, settings, 2, extras)
        weights = nested_decision_weights(features, labels, groups, settings, 2, extras)
    else:
        # One model that never saw a cutout label; each fold's weights tuned on the others.
        model = fit_classifier(elsewhere[0], elsewhere[1], settings, n_jobs=2)
        probs = class_probabilities(model, features)
        folds = group_folds(groups, settings.n_folds, settings.seed)
        weights = np.ones_like(probs)
        for k in range(folds.max() + 1):
            weights[folds == k] = macro_f1_weights(probs[folds != k], labels[folds != k])
    metrics = classification_metrics(labels, predict_classes(probs, weights), probs)
    return {"macro_f1": metrics["macro_f1"], "f1": per_class_f1(metrics)}


def markdown(record: dict[str, Any]) -> str:
    """The side-by-side table of the record."""
    lines = [
        f"| trained on (cutout: {record['n_cutout']} matched, synthetic: "
        f"{record['n_synthetic']}) | macro F1: median (range) | F1 SS-AGN / FS-AGN (median) |",
        "|---|---|---|",
    ]
    for name, runs in record["training_sets"].items():
        f1 = [r["macro_f1"] for r in runs]
        ss = np.median([r["f1"]["ss_agn"] for r in runs])
        fs = np.median([r["f1"]["fs_agn"] for r in runs])
        lines.append(
            f"| {name} | {np.median(f1):.3f} ({min(f1):.3f}-{max(f1):.3f}) | {ss:.2f} / {fs:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    args = benchmark_arguments(__doc__, "synthetic_transfer.json", seeds=2)
    logging.disable(logging.INFO)
    base = run_settings(args.run)
    cutout_table = load_table(args.run, "sdc1_cutout", 560)
    synthetic_table = load_table(args.run, "synthetic", 560)
    if cutout_table is None or synthetic_table is None:
        raise SystemExit("needs a run of the real cutout and of the synthetic default")
    cutout, synthetic = matched(cutout_table), matched(synthetic_table)
    columns = feature_columns(cutout, 560, "single")
    record: dict[str, Any] = {
        "seeds": args.seeds,
        "n_cutout": len(cutout),
        "n_synthetic": len(synthetic),
        "training_sets": {},
    }
    for name, use in TRAINING_SETS.items():
        runs = []
        for seed in range(base.seed, base.seed + args.seeds):
            settings = dataclasses.replace(base, seed=seed)
            runs.append(judge_cutout(cutout, synthetic, columns, settings, use))
            print(name, seed, round(runs[-1]["macro_f1"], 3), flush=True)
        record["training_sets"][name] = runs
    publish(record, markdown(record), args.out, args.results_md, MARKER)


if __name__ == "__main__":
    main()
