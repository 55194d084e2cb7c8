"""Degenerate but valid inputs run to the end (real Snakemake, real PyBDSF, real ska-sdc).

One `files` dataset, two frequencies, one run (the two chains share the cores):

- 1400 MHz: the real small cutout, relabelled 1400 MHz, with an 80x80 px block of
  NaNs. Sources are found around the block. The cutout lies outside the 1400 MHz
  training area, so no source is labelled for training: classification falls
  back to class 3 (SFG) for every source, and says so in the log and the scores.
- 9200 MHz: pure Gaussian noise with the cutout's header: no detections, an SDC
  score of 0, and classification, figures and summary cope.

Other degenerate inputs that stop with one line (not runs to the end) are tested
at the unit level (tests/unit/test_degenerate.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from tests.workflow.conftest import deploy_workflow, snakemake

pytestmark = pytest.mark.workflow

#: The NaN block of the 1400 MHz image: rows, columns (0-based, half-open).
NAN_ROWS, NAN_COLS = (40, 120), (50, 130)
NOISE_RMS = 4e-7  # Jy/beam, about the cutout's noise
FIGURES = (
    "image",
    "counts",
    "completeness",
    "flux_ratio",
    "confusion",
    "calibration",
    "importances",
)


@dataclass
class Run:
    workdir: Path
    results: Path
    nan_image: Path


def write_inputs(folder: Path, sample: Path) -> tuple[Path, Path]:
    """The NaN-blanked 1400 MHz cutout and the 9200 MHz noise image (float32, cutout header)."""
    with fits.open(sample / "B1_1000h_0.05tr.fits") as hdul:
        header = hdul[0].header.copy()
        data = np.array(hdul[0].data, dtype=np.float32)
    header.remove("BLANK", ignore_missing=True)  # only meaningful for integer data

    blanked = data.copy()
    blanked[..., slice(*NAN_ROWS), slice(*NAN_COLS)] = np.nan
    header["CRVAL3"] = 1.4e9
    nan_image = folder / "cutout_nan_1400.fits"
    fits.writeto(nan_image, blanked, header)

    noise = np.random.default_rng(20190219).normal(0.0, NOISE_RMS, data.shape).astype(np.float32)
    header["CRVAL3"] = 9.2e9
    noise_image = folder / "noise_9200.fits"
    fits.writeto(noise_image, noise, header)
    return nan_image, noise_image


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, sdc1_sample: Path) -> Run:
    workdir = deploy_workflow(tmp_path_factory.mktemp("degenerate") / "wf")
    nan_image, noise_image = write_inputs(workdir, sdc1_sample)
    truth = sdc1_sample / "truth_B1_0.3tr.cat"
    config = workdir / "degenerate.yaml"
    config.write_text(
        "dataset: degenerate\n"
        "datasets:\n"
        "  degenerate:\n"
        "    kind: files\n"
        f"    images: {{1400: {nan_image}, 9200: {noise_image}}}\n"
        f"    truth: {{1400: {truth}, 9200: {truth}}}\n"
    )
    snakemake(workdir, "--cores", "2", "--configfile", str(config))
    return Run(workdir, workdir / "results" / "degenerate", nan_image)


def scores(run: Run, freq: int) -> dict:
    return json.loads((run.results / "scores" / f"{freq}mhz.json").read_text())


def job_log(run: Run, rule: str, freq: int) -> str:
    return (run.workdir / "logs" / "degenerate" / rule / f"{freq}.log").read_text()


def test_nan_blanked_image_finds_sources_around_the_blank(run: Run) -> None:
    catalogue = pd.read_csv(run.results / "catalogues" / "1400mhz.csv")
    assert len(catalogue) > 20
    header = fits.getheader(run.results / "pbcor" / "1400mhz.fits")
    x, y = WCS(header).celestial.world_to_pixel_values(catalogue["ra_core"], catalogue["dec_core"])
    # Peaks are pixels with data: none inside the blank block.
    inside = (
        (y > NAN_ROWS[0] - 0.5)
        & (y < NAN_ROWS[1] - 0.5)
        & (x > NAN_COLS[0] - 0.5)
        & (x < NAN_COLS[1] - 0.5)
    )
    assert not inside.any()
    # Found all around it, not only on one side.
    assert (x < NAN_COLS[0]).any() and (x >= NAN_COLS[1]).any()
    assert (y < NAN_ROWS[0]).any() and (y >= NAN_ROWS[1]).any()
    score = scores(run, 1400)
    assert score["train_area"] is False  # scored outside the 1400 MHz training area
    assert score["n_det"] == len(catalogue) and score["n_match"] > 0.8 * score["n_det"]
    assert score["score"] > 0.3 * score["n_det"]


def test_frequency_without_training_sources_falls_back_to_sfg(run: Run) -> None:
    labels = pd.read_parquet(run.results / "labels" / "1400mhz.parquet")
    assert labels["true_class"].notna().sum() > 20  # matched to truth ...
    assert not labels["in_training_area"].any()  # ... but none of them may train
    reason = "no labelled sources in the 1400 MHz training area"
    classification = scores(run, 1400)["classification"]
    assert classification["fallback"] == {"class": 3, "reason": reason}
    assert classification["n_sources"] > 20 and classification["macro_f1"] is not None
    predictions = pd.read_csv(run.results / "predictions" / "1400mhz.csv")
    assert (predictions["class"] == 3).all()
    train_log = job_log(run, "train", 1400)
    assert "falls back to class 3" in train_log and reason in train_log
    assert reason in job_log(run, "score", 1400)


def test_pure_noise_gives_no_detections_and_a_score_of_zero(run: Run) -> None:
    assert len(pd.read_csv(run.results / "catalogues" / "9200mhz.csv")) == 0
    submission = (run.results / "submission" / "9200mhz.txt").read_text().splitlines()
    assert submission == [
        "id ra_core dec_core ra_cent dec_cent flux core_frac b_maj b_min pa size class"
    ]
    score = scores(run, 9200)
    assert (score["score"], score["n_det"], score["n_match"], score["n_false"]) == (0.0, 0, 0, 0)
    classification = score["classification"]
    assert classification["n_sources"] == 0 and classification["macro_f1"] is None
    assert classification["fallback"]["class"] == 3
    for name in FIGURES:
        assert (run.results / "figures" / f"9200mhz_{name}.png").stat().st_size > 0, name
    assert (run.results / "figures" / "spectral_index.png").exists()
    summary = json.loads((run.results / "summary.json").read_text())
    row = next(f for f in summary["frequencies"] if f["freq"] == 9200)
    assert (row["n_det"], row["score"]) == (0, 0.0)
    assert "9200" in (run.results / "summary.md").read_text()
