"""The real cutout's score after each detection step, from one finished run's own files.

Run ``snakemake --cores 2 --config dataset=sdc1_cutout mirror=../shared/sdc1-sample``
first; this script then rebuilds the catalogue step by step from that run's PyBDSF
lists (image and negated image), scores each step with ska-sdc, writes
``docs/benchmarks/detection_steps.json`` and rewrites the table between the
``detection-steps`` markers of ``docs/results.md``::

    python docs/benchmarks/detection_steps.py [RUN_FOLDER]

Every step row gives every source class 3 (star-forming galaxy), so the rows differ only
by detection and measurement; the last row is the workflow's own score file, with the
classifier's classes.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from astropy.io import fits

# A sibling module: the scripts run as `python docs/benchmarks/<script>.py`.
from results_block import write_block

from sdc1.beam import beam_arcsec_from_header
from sdc1.calibrate import calibrate_frequency
from sdc1.catalogue import pa_for_class, sdc1_position_angle, to_sdc1
from sdc1.io import read_sdc1_catalogue, read_table
from sdc1.ska_score import ATTRIBUTES, score_catalogue

REPO = Path(__file__).resolve().parents[2]
DATASET, FREQ = "sdc1_cutout", 560
COMMAND = "snakemake --cores 2 --config dataset=sdc1_cutout mirror=../shared/sdc1-sample"
#: The former default cut (catalogue.min_snr before the reliability model).
FORMER_MIN_SNR = 3.25

#: Published per-attribute means (position, flux, b_maj, b_min, pa, core_frac, class).
PUBLISHED = {
    # ../shared/sdc1-sample/README.md: the SKAO solution's own catalogue on this cutout.
    "SKAO published solution (this cutout)": {
        "score": 1255.45,
        "n_det": 1963,
        "n_match": 1948,
        "n_false": 15,
        "means": [0.99, 0.68, 0.33, 0.10, 0.50, 0.99, 0.97],
    },
    # Cornu et al. 2024, A&A 690, A211: the full 560 MHz 1000 h field, not this cutout.
    "YOLO-CIANNA (full field, published)": {
        "score": None,
        "n_det": None,
        "n_match": None,
        "n_false": None,
        "means": [0.967, 0.650, 0.629, 0.600, 0.599, 0.986, 0.973],
    },
}


def sdc1_pa_as_measured(catalogue: pd.DataFrame, sources: pd.DataFrame) -> np.ndarray:
    """PAs in [0, 180) as measured: the convention before :func:`pa_for_class`."""
    measured = sources.set_index("Source_id").loc[catalogue["source_id"]]
    pa_bdsf = np.where(
        catalogue["resolved_maj"].to_numpy(bool),
        measured["DC_PA"].to_numpy(float),
        measured["PA"].to_numpy(float),
    )
    return sdc1_position_angle(pa_bdsf)


def step_row(name: str, catalogue: pd.DataFrame, truth: pd.DataFrame) -> dict[str, Any]:
    """One table row: ska-sdc's figures of ``catalogue`` and its predicted false count."""
    scored = catalogue.copy()
    scored["class"] = 3
    result = score_catalogue(scored, truth, FREQ, train=True)
    predicted = (
        round(float((1.0 - catalogue["reliability"]).sum()), 1)
        if "reliability" in catalogue
        else None
    )
    return {
        "step": name,
        "score": round(result["score"], 1),
        "n_det": result["n_det"],
        "n_match": result["n_match"],
        "n_false": result["n_false"],
        "predicted_false": predicted,
        "means": [round(result["mean_attribute_scores"][a], 3) for a in ATTRIBUTES],
    }


def perfect_measurement_bound(row: dict[str, Any]) -> dict[str, Any]:
    """What ``row``'s detections would score with flux and sizes measured perfectly."""
    perfect = {"flux", "b_maj", "b_min"}
    means = [1.0 if a in perfect else m for a, m in zip(ATTRIBUTES, row["means"])]
    score = row["n_match"] * float(np.mean(means)) - row["n_false"]
    return {
        **row,
        "step": "bound: the same detections with flux, b_maj and b_min perfect",
        "score": round(score, 1),
        "means": means,
    }


def steps(run: Path) -> list[dict[str, Any]]:
    """Every step's row, rebuilt from the run's own source lists."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    sources_dir = run / "results" / DATASET / "sources"
    sources = read_table(sources_dir / f"{FREQ}mhz.parquet")
    gaussians = read_table(sources_dir / f"{FREQ}mhz_gaussians.parquet")
    negated = read_table(sources_dir / f"{FREQ}mhz_negated.parquet")
    header = fits.getheader(run / "results" / DATASET / "pbcor" / f"{FREQ}mhz.fits")
    truth = read_sdc1_catalogue(run / "data" / DATASET / "truth" / f"{FREQ}mhz.txt")
    beam = beam_arcsec_from_header(header)
    settings = {
        k: v for k, v in config["calibrate"].items() if k not in ("enabled", "reliability")
    }
    match_value = config["catalogue"]["match_value"]
    floor = config["sourcefind"]["thresh_pix"]
    # Every detection, reliability 1 (no noise seen), then each cut in turn.
    everything = to_sdc1(
        sources,
        gaussians,
        header,
        negated=pd.DataFrame(),
        snr_floor=floor,
        match_value=match_value,
    )
    negated_cut = to_sdc1(
        sources, gaussians, header, negated=negated, snr_floor=floor, match_value=match_value
    )

    def calibrated(catalogue: pd.DataFrame, learned: bool) -> pd.DataFrame:
        return calibrate_frequency(
            catalogue, truth, beam, FREQ, match_value=match_value, reliability=learned, **settings
        )

    def as_measured(catalogue: pd.DataFrame) -> pd.DataFrame:
        out = catalogue.copy()
        out["pa"] = sdc1_pa_as_measured(out, sources)
        return out

    former = everything[everything["snr"] >= FORMER_MIN_SNR].drop(columns="reliability")
    learned = calibrated(negated_cut, True)
    rows = [
        step_row(
            f"former default: peak S/N >= {FORMER_MIN_SNR}, out-of-fold flux and size calibration",
            as_measured(calibrated(former, False)),
            truth,
        ),
        step_row(
            "reliability from the negated image instead of the S/N cut",
            as_measured(calibrated(negated_cut, False)),
            truth,
        ),
        step_row(
            "+ reliability learned out-of-fold from the scorer's matches",
            as_measured(learned),
            truth,
        ),
    ]
    final = learned.copy()
    final["pa"] = pa_for_class(final["pa"], final["pa_error"], 3)
    rows.append(step_row("+ PA written in the truth's range for the class", final, truth))
    rows.append(perfect_measurement_bound(rows[-1]))
    scores = json.loads((run / "results" / DATASET / "scores" / f"{FREQ}mhz.json").read_text())
    rows.append(
        {
            "step": "the workflow's score file (classes from the classifier)",
            "score": round(scores["score"], 1),
            "n_det": scores["n_det"],
            "n_match": scores["n_match"],
            "n_false": scores["n_false"],
            "predicted_false": scores.get("predicted_false"),
            "means": [round(scores["mean_attribute_scores"][a], 3) for a in ATTRIBUTES],
        }
    )
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    """The table, published rows first."""
    head = (
        "| step | score | detections | matches | false | predicted false | "
        + " | ".join(ATTRIBUTES)
        + " |\n|"
        + "---|" * (6 + len(ATTRIBUTES))
    )
    lines = [head]
    published = [{"step": k, "predicted_false": None, **v} for k, v in PUBLISHED.items()]
    for row in published + rows:
        cells = [row["step"]] + [
            "" if row[k] is None else f"{row[k]:g}" if isinstance(row[k], float) else str(row[k])
            for k in ("score", "n_det", "n_match", "n_false", "predicted_false")
        ]
        cells += [f"{m:.3f}" for m in row["means"]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", nargs="?", default=".", type=Path, help="folder of the cutout run")
    parser.add_argument("--out", default=REPO / "docs" / "benchmarks" / "detection_steps.json")
    parser.add_argument("--results-md", default=REPO / "docs" / "results.md", type=Path)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    rows = steps(args.run)
    Path(args.out).write_text(json.dumps({"command": COMMAND, "steps": rows}, indent=1) + "\n")
    table = markdown(rows)
    print(table)
    write_block(args.results_md, "detection-steps", table)


if __name__ == "__main__":
    main()
