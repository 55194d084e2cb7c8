"""Astronomers' own images: the real small cutout with its header as other imagers write it,
and the official training truth as published, run as `files` datasets to scores.

One Snakemake run makes the scores of three datasets, each read from its `{dataset}`
wildcard: the cutout as published, the same pixels with a CD matrix and STOKES before
FREQ (as AIPS and some CASA exports write them), and the same pixels with an elliptical
restoring beam with a position angle. All three use the published
`TrainingSet_B1_v2_ML.txt` (18 header lines, 15 columns) as their truth.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from astropy.io import fits
from astropy.utils.exceptions import AstropyWarning

from tests.workflow.conftest import snakemake

pytestmark = pytest.mark.workflow

ELLIPTICAL_BEAM_DEG = (2.0 / 3600, 1.2 / 3600, 30.0)


def rewrite_header(source: Path, dest: Path, *, cd_stokes_first=False, beam=None) -> Path:
    """The cutout's pixels under a header in another imager's conventions."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        with fits.open(source) as hdul:
            header, data = hdul[0].header.copy(), hdul[0].data.copy()
    header.remove("BLANK", ignore_missing=True)
    if cd_stokes_first:
        header["CD1_1"], header["CD2_2"] = header.pop("CDELT1"), header.pop("CDELT2")
        header["CD1_2"] = header["CD2_1"] = 0.0
        # Axes 3 and 4 both have one pixel: swapping their keywords leaves the data as it is.
        for key in ("CTYPE", "CRVAL", "CDELT", "CRPIX"):
            header[f"{key}3"], header[f"{key}4"] = header[f"{key}4"], header[f"{key}3"]
    if beam is not None:
        header["BMAJ"], header["BMIN"], header["BPA"] = beam
    fits.writeto(dest, data, header)
    return dest


def test_other_headers_and_the_published_truth_run_to_scores(workflow_dir, sdc1_sample):
    inputs = workflow_dir / "inputs"
    inputs.mkdir()
    image = sdc1_sample / "B1_1000h_0.05tr.fits"
    images = {
        "as_published": image,
        "cd_stokes_first": rewrite_header(image, inputs / "cd.fits", cd_stokes_first=True),
        "elliptical": rewrite_header(image, inputs / "ell.fits", beam=ELLIPTICAL_BEAM_DEG),
    }
    truth = sdc1_sample / "training-truth" / "TrainingSet_B1_v2_ML.txt"
    datasets = {
        name: {
            "kind": "files",
            "images": {560: str(path)},
            "pb": {560: str(sdc1_sample / "PrimaryBeam_B1.fits")},
            "truth": {560: str(truth)},
        }
        for name, path in images.items()
    }
    config = workflow_dir / "imagers.yaml"
    config.write_text(json.dumps({"dataset": "as_published", "datasets": datasets}))
    targets = [f"results/{name}/scores/560mhz.json" for name in datasets]
    snakemake(workflow_dir, *targets, "--cores", "2", "--configfile", str(config))

    scores = {
        name: json.loads((workflow_dir / target).read_text())
        for name, target in zip(datasets, targets)
    }
    published = scores["as_published"]
    # The training truth lists only part of the sky model (its SELECTION column), so about
    # half the detections match; what matters here is that it is read and matched at all.
    assert published["n_det"] > 20 and published["n_match"] > 20, published
    # Another header for the same pixels: the same score within 1%.
    assert scores["cd_stokes_first"]["score"] == pytest.approx(published["score"], rel=0.01)
    # An elliptical beam runs to a score, and PyBDSF was given that beam.
    assert scores["elliptical"]["n_det"] > 20
    log = "".join(
        path.read_text() for path in workflow_dir.glob("logs/elliptical/find_sources*/*.log")
    )
    assert "PyBDSF beam: 2.000 x 1.200 arcsec, PA 30.0 deg" in log, log[-3000:]
