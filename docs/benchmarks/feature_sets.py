"""What each group of classifier features is worth, side by side in one run.

    python docs/benchmarks/feature_sets.py [RUN_FOLDER] [--seeds 3]

For each scored dataset of a finished run (the synthetic default at 560 and
1400 MHz, the real cutout at 560 MHz), retrains the workflow's classifier from
the run's catalogues, once per feature set and seed, exactly as the ``train``
rule does, and judges each on the sources the ``score`` rule judges
(``training_options.judge``). The feature sets:

- the workflow's (``feature_columns(..., "multi")``);
- without the counterparts' compactness (``peak_to_total``, ``dc_maj``,
  ``n_gaussians`` of the other frequencies' counterparts);
- without the 9200 MHz image;
- with forced photometry of the 9200 MHz image too (the feature table rebuilt
  with ``forced_max_beam_ratio`` unlimited);
- with the Gaussian-list morphology of the tags (component separation, flux
  ratio, brightest share, centroid offset) added;
- with multi-scale readings of the source's own image: its brightness smoothed
  to 2.5, 5, 10 and 20 times its restoring beam, over that smoothed to 1.25
  times it (:func:`sdc1.photometry.beam_matched_brightness`), and over its
  catalogued flux. Extended emission too faint to be fitted raises them.

Prints macro F1 (median and range over seeds), writes
``docs/benchmarks/feature_sets.json`` and the table between the
``feature-sets`` markers of docs/results.md.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
import yaml
from astropy.io import fits

# Sibling modules: the scripts run as `python docs/benchmarks/<script>.py`.
from results_block import publish
from training_options import benchmark_arguments, judge, labelled_cases, run_settings

from sdc1.beam import beam_from_header
from sdc1.features import (
    COMMON_BEAM_FACTOR,
    COUNTERPART_MEASUREMENTS,
    build_feature_table,
    feature_columns,
)
from sdc1.io import read_table
from sdc1.photometry import beam_matched_brightness

REPO = Path(__file__).resolve().parents[2]
MARKER = "feature-sets"

#: The Gaussian-list measurements of the morphology tags (catalogue columns).
MORPHOLOGY = (
    "max_separation_beams",
    "component_flux_ratio",
    "brightest_share",
    "centroid_offset_beams",
)

#: Multiples of the restoring beam of the multi-scale readings.
READING_SCALES: tuple[float, ...] = (2.5, 5.0, 10.0, 20.0)

#: (dataset, frequency) pairs judged.
CASES: tuple[tuple[str, int], ...] = (
    ("synthetic", 560),
    ("synthetic", 1400),
    ("sdc1_cutout", 560),
)


def without_compactness(columns: list[str], freq: int) -> list[str]:
    """``columns`` less the other frequencies' counterparts' compactness."""
    drop = {
        f"{name}_{f}" for name in COUNTERPART_MEASUREMENTS for f in (560, 1400, 9200) if f != freq
    }
    return [c for c in columns if c not in drop]


def forced_9200_table(
    run: Path, dataset: str, table: pd.DataFrame, freq: int
) -> pd.DataFrame | None:
    """``table`` with the feature columns of a feature table that reads the 9200 MHz image too."""
    results = run / "results" / dataset
    freqs = [f for f in (560, 1400, 9200) if (results / "catalogues" / f"{f}mhz.csv").exists()]
    if 9200 not in freqs:
        return None
    images = {f: results / "pbcor" / f"{f}mhz.fits" for f in freqs}
    features = build_feature_table(
        {f: read_table(results / "catalogues" / f"{f}mhz.csv") for f in freqs},
        {f: fits.getheader(p) for f, p in images.items()},
        radius_beams=yaml.safe_load((run / "config" / "config.yaml").read_text())["features"][
            "match_radius_beams"
        ],
        images=images,
        forced_max_beam_ratio=np.inf,
    )
    features = features[features["freq"] == freq]
    labels = table[["id", "true_class", "in_training_area"]]
    return features.merge(labels, on="id", validate="1:1")


def with_morphology(run: Path, dataset: str, table: pd.DataFrame, freq: int) -> pd.DataFrame:
    """``table`` with the catalogue's Gaussian-list morphology columns joined on ``id``."""
    catalogue = read_table(run / "results" / dataset / "catalogues" / f"{freq}mhz.csv")
    return table.merge(catalogue[["id", *MORPHOLOGY]], on="id", validate="1:1")


def with_multiscale(
    run: Path, dataset: str, table: pd.DataFrame, freq: int
) -> tuple[pd.DataFrame, list[str]]:
    """``table`` with multi-scale readings of each source's own image, and their columns."""
    image = run / "results" / dataset / "pbcor" / f"{freq}mhz.fits"
    # The major axis: a smoothed beam must contain the restoring beam.
    beam = beam_from_header(fits.getheader(image), image)[0] * 3600.0
    ra, dec = table["ra_core"].to_numpy(float), table["dec_core"].to_numpy(float)
    base = beam_matched_brightness(image, ra, dec, COMMON_BEAM_FACTOR * beam)
    flux = 10.0 ** table["log_flux"].to_numpy(float)
    out = table.copy()
    columns = []
    for scale in READING_SCALES:
        reading = beam_matched_brightness(image, ra, dec, scale * beam)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f"reading_ratio_{scale:g}"] = np.where(base > 0, reading / base, np.nan)
            out[f"reading_over_flux_{scale:g}"] = reading / flux
        columns += [f"reading_ratio_{scale:g}", f"reading_over_flux_{scale:g}"]
    return out, columns


def variants(
    run: Path, dataset: str, table: pd.DataFrame, freq: int
) -> dict[str, Callable[[], tuple[pd.DataFrame, list[str]] | None]]:
    """Feature set name -> a function giving its table and columns (None: not in this run)."""
    multi = feature_columns(table, freq, "multi")
    # Another frequency observed any of these sources: the cross-frequency sets apply.
    cross = any(
        f"observed_{f}" in table and (table[f"observed_{f}"] > 0).any()
        for f in (560, 1400, 9200)
        if f != freq
    )

    def forced() -> tuple[pd.DataFrame, list[str]] | None:
        rebuilt = forced_9200_table(run, dataset, table, freq)
        return None if rebuilt is None else (rebuilt, feature_columns(rebuilt, freq, "multi"))

    def morphology() -> tuple[pd.DataFrame, list[str]]:
        return with_morphology(run, dataset, table, freq), multi + list(MORPHOLOGY)

    out: dict[str, Callable[[], tuple[pd.DataFrame, list[str]] | None]] = {
        "the workflow's": lambda: (table, multi)
    }
    if cross:
        out["without the counterparts' compactness"] = lambda: (
            table,
            without_compactness(multi, freq),
        )
        out["without 9200 MHz"] = lambda: (table, [c for c in multi if not c.endswith("_9200")])
        out["with forced photometry of 9200 MHz"] = forced
    out["with the Gaussian-list morphology"] = morphology

    def multiscale() -> tuple[pd.DataFrame, list[str]]:
        extended, columns = with_multiscale(run, dataset, table, freq)
        return extended, multi + columns

    out["with multi-scale readings of its own image"] = multiscale
    return out


def markdown(record: dict[str, Any]) -> str:
    """The side-by-side table of the record."""
    lines = [
        "| case | feature set | features | macro F1: median (range) |",
        "|---|---|---|---|",
    ]
    for case, sets in record["cases"].items():
        for name, entry in sets.items():
            f1 = [r["macro_f1"] for r in entry["runs"]]
            lines.append(
                f"| {case} | {name} | {entry['n_features']} "
                f"| {np.median(f1):.3f} ({min(f1):.3f}-{max(f1):.3f}) |"
            )
    return "\n".join(lines)


def main() -> None:
    args = benchmark_arguments(__doc__, "feature_sets.json", seeds=3)
    logging.disable(logging.INFO)
    base = run_settings(args.run)
    record: dict[str, Any] = {"seeds": args.seeds, "cases": {}}
    for case, dataset, freq, table in labelled_cases(args.run, CASES):
        record["cases"][case] = {}
        for name, make in variants(args.run, dataset, table, freq).items():
            made = make()
            if made is None:
                print(f"{case}: {name} skipped: not in this run")
                continue
            variant_table, columns = made
            runs = []
            for seed in range(base.seed, base.seed + args.seeds):
                settings = dataclasses.replace(base, seed=seed)
                runs.append(judge(variant_table, freq, settings, columns))
                print(case, name, seed, round(runs[-1]["macro_f1"], 3), flush=True)
            record["cases"][case][name] = {"n_features": len(columns), "runs": runs}
    publish(record, markdown(record), args.out, args.results_md, MARKER)


if __name__ == "__main__":
    main()
