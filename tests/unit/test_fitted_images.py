"""PyBDSF's model, residual and rms images of a whole field, made from the merged Gaussians:
drawn as PyBDSF draws them (checked against PyBDSF's own model image of a real cutout), the
same whatever the row blocks, and residual plus model giving back the image."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS

from sdc1.background import compute_background, evaluate
from sdc1.fitted_images import add_gaussians, write_fitted_images

PIXEL_DEG = 0.6 / 3600


def sky(path: Path, shape: tuple[int, int] = (90, 120)) -> Path:
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---SIN", "DEC--SIN"]
    wcs.wcs.crval = [0.0, -30.0]
    wcs.wcs.crpix = [shape[1] / 2, shape[0] / 2]
    wcs.wcs.cdelt = [-PIXEL_DEG, PIXEL_DEG]
    header = wcs.to_header()
    header["BMAJ"] = header["BMIN"] = 1.5 / 3600
    data = np.random.default_rng(3).normal(0, 1e-6, shape).astype(np.float32)
    data[:5, :7] = np.nan
    fits.PrimaryHDU(data, header).writeto(path)
    return path


def gaussians() -> pd.DataFrame:
    """Three Gaussians, one across the image's edge, one elongated and turned."""
    return pd.DataFrame(
        {
            "Xposn": [30.0, 118.5, 60.2],
            "Yposn": [40.0, 10.0, 70.7],
            "Peak_flux": [1e-4, 5e-5, 2e-5],
            "Maj_img_plane": [3 * PIXEL_DEG, 4 * PIXEL_DEG, 9 * PIXEL_DEG],
            "Min_img_plane": [3 * PIXEL_DEG, 2 * PIXEL_DEG, 3 * PIXEL_DEG],
            "PA_img_plane": [0.0, 45.0, 120.0],
            "Isl_rms": [1e-6, 1e-6, 1e-6],
        }
    )


def test_the_model_is_pybdsfs_own(sdc1_sample: Path, tmp_path: Path) -> None:
    import bdsf
    from astropy.wcs.utils import proj_plane_pixel_scales

    image = sdc1_sample / "B1_1000h_0.05tr.fits"
    header = fits.getheader(image)
    img = bdsf.process_image(
        str(image), quiet=True, beam=(header["BMAJ"], header["BMIN"], 0.0), thresh_pix=4.0
    )
    img.write_catalog(outfile=str(tmp_path / "g.fits"), format="fits", catalog_type="gaul")
    img.export_image(outfile=str(tmp_path / "model.fits"), img_type="gaus_model")
    table = Table.read(tmp_path / "g.fits").to_pandas()
    reference = np.squeeze(fits.getdata(tmp_path / "model.fits"))
    assert len(table) > 20
    pixel_deg = float(np.mean(proj_plane_pixel_scales(WCS(header).celestial)))
    model = np.zeros(reference.shape)
    add_gaussians(model, table, pixel_deg)
    np.testing.assert_allclose(model, reference, atol=1e-6 * np.nanmax(reference))


def test_residual_plus_model_is_the_image_whatever_the_blocks(tmp_path: Path) -> None:
    image = sky(tmp_path / "image.fits")
    grid = compute_background(image, 30, 10)
    paths = {}
    for block_rows in (7, 1000):
        paths[block_rows] = {
            name: tmp_path / f"{block_rows}_{name}.fits" for name in ("model", "residual", "rms")
        }
        write_fitted_images(
            image,
            gaussians(),
            grid,
            model_path=paths[block_rows]["model"],
            residual_path=paths[block_rows]["residual"],
            rms_path=paths[block_rows]["rms"],
            block_rows=block_rows,
        )
    for name in ("model", "residual", "rms"):
        np.testing.assert_array_equal(
            fits.getdata(paths[7][name]), fits.getdata(paths[1000][name]), err_msg=name
        )
    data = fits.getdata(image)
    model = fits.getdata(paths[7]["model"])
    residual = fits.getdata(paths[7]["residual"])
    np.testing.assert_allclose(residual + model, data, atol=1e-10)
    assert np.isnan(model[:5, :7]).all() and np.isnan(residual[:5, :7]).all()
    # Each Gaussian peaks at its centre: the round one exactly on a pixel.
    assert model[40, 30] == pytest.approx(1e-4, rel=1e-5)
    assert np.nansum(model) == pytest.approx(
        sum(
            p * 2 * np.pi * (a / PIXEL_DEG / 2.3548) * (b / PIXEL_DEG / 2.3548)
            for p, a, b in gaussians()[["Peak_flux", "Maj_img_plane", "Min_img_plane"]].to_numpy()
        )
        - 0.4 * 5e-5 * 2 * np.pi * (4 / 2.3548) * (2 / 2.3548),  # a part beyond the edge
        rel=0.1,
    )
    # The rms image is the background grid every tile used, and keeps the image's WCS.
    _, rms = evaluate(grid, slice(None), slice(None))
    np.testing.assert_allclose(fits.getdata(paths[7]["rms"]), rms, rtol=1e-6)
    assert fits.getheader(paths[7]["model"])["CTYPE1"] == "RA---SIN"
