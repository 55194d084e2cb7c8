"""Catalogue and table files: formats, atomic writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sdc1.errors import InputError
from sdc1.io import (
    SDC1_COLUMNS,
    atomic_path,
    catalogue_header_lines,
    read_image,
    read_sdc1_catalogue,
    write_sdc1_catalogue,
)


def sample_catalogue(n: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        rng.uniform(0.1, 1.0, size=(n, len(SDC1_COLUMNS))), columns=list(SDC1_COLUMNS)
    )
    frame["id"] = np.arange(n)
    frame["size"] = 2
    frame["class"] = 3
    return frame


def test_submission_round_trip(tmp_path: Path) -> None:
    catalogue = sample_catalogue()
    path = tmp_path / "sub.txt"
    write_sdc1_catalogue(catalogue, path)
    assert path.read_text().splitlines()[0] == " ".join(SDC1_COLUMNS)
    back = read_sdc1_catalogue(path, skiprows=1)
    pd.testing.assert_frame_equal(back, catalogue, check_dtype=False, rtol=1e-9)
    # Its line of column names is found without being told.
    pd.testing.assert_frame_equal(read_sdc1_catalogue(path), back)


def test_failed_write_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_short_catalogue_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "truth.txt"
    path.write_text("1 2 3\n4 5 6\n")
    with pytest.raises(InputError, match="truth.txt: 3 columns"):
        read_sdc1_catalogue(path)


def test_training_truth_keeps_the_sdc1_columns(sdc1_sample: Path) -> None:
    path = sdc1_sample / "training-truth" / "TrainingSet_B5_v2_ML.txt"
    truth = read_sdc1_catalogue(path, skiprows=18)
    assert list(truth.columns) == list(SDC1_COLUMNS)
    assert len(truth) == 30
    # The published layout (18 header lines, 15 columns) is recognised as it is.
    assert catalogue_header_lines(path) == 18
    pd.testing.assert_frame_equal(read_sdc1_catalogue(path), truth)


def test_real_image_plane_is_2d(sdc1_sample: Path) -> None:
    data, header = read_image(sdc1_sample / "B1_1000h_0.05tr.fits")
    assert data.shape == (160, 174)
    assert header["NAXIS"] == 4
