"""The interactive view's parts: the block-averaged image and its WCS, the sources and their
layers, and the folder written whole (the browser test is in tests/workflow/test_report.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from sdc1.errors import InputError
from sdc1.view import downsample_factor, view_image, view_sources, write_view


def sky_image(path: Path, shape: tuple[int, ...], seed: int = 0) -> Path:
    """A SIN-projected image like the workflow's pbcor images (degenerate axes allowed)."""
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---SIN", "DEC--SIN"]
    wcs.wcs.crval = [0.0, -30.0]
    wcs.wcs.crpix = [shape[-1] / 2, shape[-2] / 2]
    wcs.wcs.cdelt = [-0.6 / 3600, 0.6 / 3600]
    data = np.random.default_rng(seed).normal(size=shape).astype(np.float32)
    header = wcs.to_header()
    header["RADESYS"] = "ICRS"
    fits.PrimaryHDU(data, header).writeto(path)
    return path


def test_downsample_factor_brings_both_sides_within_the_limit() -> None:
    assert downsample_factor((32768, 32768), 2048) == 16
    assert downsample_factor((957, 1041), 2048) == 1
    assert downsample_factor((1000, 3000), 1000) == 3
    with pytest.raises(ValueError):
        downsample_factor((10, 10), 0)


def test_block_means_keep_the_sky_where_it_was(tmp_path: Path) -> None:
    path = sky_image(tmp_path / "image.fits", (1, 1, 300, 250))
    image = view_image(path, max_side=100)
    assert image.factor == 3 and image.data.shape == (100, 84)
    original = fits.getdata(path)[0, 0]
    np.testing.assert_allclose(image.data[0, 0], original[:3, :3].mean(), rtol=1e-5)
    # The last column averages the two pixels left: NaN padding is ignored.
    np.testing.assert_allclose(image.data[5, 83], original[15:18, 249:].mean(), rtol=1e-5)
    # Each output pixel's centre is the centre of its block in the input WCS.
    small, big = WCS(image.header), WCS(fits.getheader(path)).celestial
    for row, col in [(0, 0), (50, 40), (99, 83)]:
        here = small.pixel_to_world(col, row)
        there = big.pixel_to_world(col * 3 + 1, row * 3 + 1)
        assert here.separation(there).arcsec < 1e-6
    # Only the keywords Aladin Lite reads.
    assert set(image.header) <= {"NAXIS", "NAXIS1", "NAXIS2"} | {
        f"{k}{i}" for k in ("CTYPE", "CRVAL", "CRPIX", "CDELT", "CUNIT") for i in (1, 2)
    }
    assert image.cuts[0] < image.cuts[1]


def test_blank_blocks_stay_blank_and_cubes_are_refused(tmp_path: Path) -> None:
    path = sky_image(tmp_path / "image.fits", (40, 40))
    with fits.open(path, mode="update") as hdul:
        hdul[0].data[:20, :20] = np.nan
    image = view_image(path, max_side=20)
    assert np.isnan(image.data[:10, :10]).all() and np.isfinite(image.data[10:, 10:]).all()
    cube = sky_image(tmp_path / "cube.fits", (3, 40, 40))
    with pytest.raises(InputError, match="cube.fits: a cube"):
        view_image(cube)


def predictions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [0, 1, 2, 3],
            "ra_core": [-0.01, 0.0, 0.01, 359.995],
            "dec_core": [-30.0, -30.01, -29.99, -30.0],
            "flux": [1e-4, 2e-5, 3e-5, 4e-5],
            "total_flux": [1e-4, 1e-5, 3e-5, 4e-5],
            "e_total_flux": [1e-5, 1e-6, 3e-6, 4e-6],
            "maj_raw": [3.6, 2.0, 2.0, 2.0],
            "min_raw": [1.8, 1.5, 1.5, 1.5],
            "pa_raw": [30.0, 0.0, 0.0, 0.0],
            "class": [1, 2, 3, 3],
            "snr": [50.0, 8.0, 9.0, np.nan],
            "p1_multi": [0.8, 0.1, 0.1, 0.0],
            "p2_multi": [0.1, 0.8, 0.1, 0.0],
            "p3_multi": [0.1, 0.1, 0.8, 1.0],
        }
    )


def test_sources_carry_their_layer_ellipse_and_popup_values() -> None:
    labels = pd.DataFrame({"id": [0, 1, 2, 3], "true_class": [1.0, 3.0, np.nan, 3.0]})
    sources = view_sources(predictions(), "multi", labels)
    assert [s["layer"] for s in sources] == ["ss_agn", "fs_agn", "false", "sfg"]
    first = sources[0]
    assert first["ra"] == pytest.approx(359.99) and first["a"] == pytest.approx(3.6 / 7200)
    assert first["theta"] == 30.0
    assert first["values"]["p_ss_agn"] == 0.8 and first["values"]["truth"] == "ss_agn"
    # The calibrated flux's error: PyBDSF's, scaled by the calibration (here doubled).
    assert sources[1]["values"]["e_flux"] == pytest.approx(2e-6)
    assert sources[2]["values"]["truth"] == "false detection"
    assert sources[3]["values"]["snr"] is None  # NaN becomes JSON null
    # Without truth (labels all NaN) nothing is a false detection.
    no_truth = labels.assign(true_class=np.nan)
    assert "false" not in {s["layer"] for s in view_sources(predictions(), "multi", no_truth)}
    assert "truth" not in view_sources(predictions())[0]["values"]


def test_the_folder_is_written_whole(tmp_path: Path) -> None:
    image = sky_image(tmp_path / "image.fits", (200, 200))
    aladin = tmp_path / "aladin.js"
    out = tmp_path / "view"
    with pytest.raises(InputError, match="aladin.js: Aladin Lite not installed"):
        write_view(out, image, predictions(), aladin, title="t")
    assert not out.exists() and not list(tmp_path.glob(".view.*"))
    aladin.write_text("export default {};\n")
    written = write_view(out, image, predictions(), aladin, title="my sky 560 MHz")
    assert written["sources"] == 4 and written["layers"]["sfg"] == 2
    assert sorted(p.name for p in out.iterdir()) == [
        "aladin.js",
        "image.fits",
        "index.html",
        "sources.js",
    ]
    page = (out / "index.html").read_text()
    assert "<title>my sky 560 MHz</title>" in page
    # Nothing remote: no URL in the page, Aladin Lite's logging and survey off.
    assert "http://" not in page and "https://" not in page
    assert "log: false" in page and "survey: image" in page
    data = json.loads((out / "sources.js").read_text().split("=", 1)[1].rstrip(";\n"))
    assert data["meta"]["n_sources"] == 4 and len(data["sources"]) == 4
    # Written again, the folder is replaced, not merged.
    (out / "stale.txt").write_text("old")
    write_view(out, image, predictions(), aladin, title="again")
    assert not (out / "stale.txt").exists()
