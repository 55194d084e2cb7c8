"""Report figure assembly: cut-out, footprint, spectral-index table, writer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from astropy.io import fits

from sdc1.features import inside_footprint, on_pixel_grid
from sdc1.figures import save_figures, spectral_index_table, zoom
from sdc1.plots import feature_importances


def test_zoom_is_the_clipped_central_square() -> None:
    image = np.arange(100).reshape(10, 10)
    cut, x0, y0 = zoom(image, 4)
    assert (x0, y0) == (3, 3) and cut.shape == (4, 4) and cut[0, 0] == 33
    assert zoom(image, 40)[0].shape == (10, 10)


def test_pixel_grid_edges_are_on_the_image() -> None:
    x = np.array([-0.5, 9.5, -0.51, 9.51, np.nan])
    assert on_pixel_grid(x, np.zeros(5), 10, 10).tolist() == [True, True, False, False, False]


def test_footprint_uses_the_pixel_grid() -> None:
    header = fits.Header(
        {
            "NAXIS": 2,
            "NAXIS1": 10,
            "NAXIS2": 10,
            "CTYPE1": "RA---SIN",
            "CTYPE2": "DEC--SIN",
            "CRVAL1": 0.0,
            "CRVAL2": -30.0,
            "CRPIX1": 5.5,
            "CRPIX2": 5.5,
            "CDELT1": -1 / 3600,
            "CDELT2": 1 / 3600,
        }
    )
    inside = inside_footprint(np.array([0.0, 0.01]), np.array([-30.0, -30.0]), header)
    assert inside.tolist() == [True, False]


def test_spectral_index_table_takes_the_nearest_frequency() -> None:
    features = pd.DataFrame(
        {
            "freq": [560, 1400],
            "id": [0, 0],
            "alpha_1400": [-0.7, np.nan],
            "alpha_560": [np.nan, -0.5],
            "alpha_9200": [0.3, 0.1],
        }
    )
    predictions = {
        560: pd.DataFrame({"id": [0], "class": [3]}),
        1400: pd.DataFrame({"id": [0], "class": [1]}),
    }
    table = spectral_index_table(features, predictions)
    assert table["alpha"].tolist() == [-0.7, -0.5] and table["class"].tolist() == [3, 1]


def test_save_figures_writes_each_named_path(tmp_path: Path) -> None:
    figures = {"a": feature_importances({"x": 1.0}), "b": feature_importances({})}
    save_figures(figures, {"a": tmp_path / "a.png"}, dpi=20)
    assert (tmp_path / "a.png").read_bytes()[:4] == b"\x89PNG" and not (
        tmp_path / "b.png"
    ).exists()
