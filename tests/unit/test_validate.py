"""Tests of sdc1.validate: each bad input gives one InputError line naming the file."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.utils.exceptions import AstropyWarning

from sdc1.errors import InputError
from sdc1.validate import check_image, check_primary_beam, check_truth_catalogue

SAMPLE = Path(__file__).resolve().parents[2].parent / "shared" / "sdc1-sample"
needs_sample = pytest.mark.skipif(
    not (SAMPLE / "B1_1000h_0.05tr.fits").exists(),
    reason=f"real SDC1 sample not found at {SAMPLE}",
)

# A valid SDC1 catalogue row (12 columns), as in truth_B1_0.3tr.cat.
ROW = (
    "31689603 -0.40618432 -29.59313011 -0.40642133 -29.59476662 "
    "2.0448e-07 0.00071948 30.05 23.47 100.947 1 1"
)


def raise_message(excinfo: pytest.ExceptionInfo, path: Path) -> str:
    """The error message, checked to be one line naming the file."""
    message = str(excinfo.value)
    assert "\n" not in message
    assert path.name in message
    return message


def real_header(name: str) -> fits.Header:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        header = fits.getheader(SAMPLE / name)
    # BLANK is meaningless for float data and only makes astropy warn.
    header.remove("BLANK", ignore_missing=True)
    return header


def write_fits(path: Path, header: fits.Header, nx: int, ny: int) -> Path:
    """Write a tiny 4-axis image with the real header, resized to ``nx`` x ``ny``."""
    header = header.copy()
    header["NAXIS1"], header["NAXIS2"] = nx, ny
    data = np.zeros((1, 1, ny, nx), dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        fits.PrimaryHDU(data=data, header=header).writeto(path)
    return path


@pytest.fixture
def image_header() -> fits.Header:
    if not (SAMPLE / "B1_1000h_0.05tr.fits").exists():
        pytest.skip(f"real SDC1 sample not found at {SAMPLE}")
    return real_header("B1_1000h_0.05tr.fits")


@pytest.fixture
def pb_header() -> fits.Header:
    if not (SAMPLE / "PrimaryBeam_B1.fits").exists():
        pytest.skip(f"real SDC1 sample not found at {SAMPLE}")
    return real_header("PrimaryBeam_B1.fits")


# --------------------------------------------------------------------------- images


def test_good_tiny_image_passes(tmp_path: Path, image_header: fits.Header) -> None:
    path = write_fits(tmp_path / "good.fits", image_header, 20, 16)
    header = check_image(path, 560)
    assert header["NAXIS1"] == 20


@needs_sample
def test_real_cutouts_pass() -> None:
    for name in ("B1_1000h_0.05tr.fits", "B1_1000h_0.3tr.fits"):
        check_image(SAMPLE / name, 560)
    check_primary_beam(
        SAMPLE / "PrimaryBeam_B1.fits", SAMPLE / "B1_1000h_0.3tr.fits", freq_mhz=560
    )


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "page.fits"
    path.write_text("<!DOCTYPE html><html>Sorry, the link has expired</html>\n")
    with pytest.raises(InputError) as info:
        check_image(path, 560)
    assert "not a readable FITS file" in raise_message(info, path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file") as info:
        check_image(tmp_path / "absent.fits", 560)
    raise_message(info, tmp_path / "absent.fits")


def test_truncated_file(tmp_path: Path, image_header: fits.Header) -> None:
    path = write_fits(tmp_path / "cut.fits", image_header, 40, 30)
    data_start = len(fits.getheader(path).tostring())
    with open(path, "r+b") as handle:
        handle.truncate(data_start + 1000)  # header whole, 4800 data bytes promised
    with pytest.raises(InputError) as info:
        check_image(path, 560)
    assert "truncated" in raise_message(info, path)


def test_truncated_inside_header(tmp_path: Path, image_header: fits.Header) -> None:
    path = write_fits(tmp_path / "cut.fits", image_header, 20, 16)
    with open(path, "r+b") as handle:
        handle.truncate(2880)  # the real header spans several 2880-byte blocks
    with pytest.raises(InputError) as info:
        check_image(path, 560)
    assert "not a readable FITS file" in raise_message(info, path)


def test_no_celestial_wcs(tmp_path: Path, image_header: fits.Header) -> None:
    header = image_header.copy()
    del header["CTYPE1"], header["CTYPE2"]
    path = write_fits(tmp_path / "nowcs.fits", header, 20, 16)
    with pytest.raises(InputError) as info:
        check_image(path, 560)
    assert "no celestial" in raise_message(info, path)


@pytest.mark.parametrize("key", ["BMAJ", "BMIN"])
def test_missing_beam(tmp_path: Path, image_header: fits.Header, key: str) -> None:
    header = image_header.copy()
    del header[key]
    path = write_fits(tmp_path / "nobeam.fits", header, 20, 16)
    with pytest.raises(InputError) as info:
        check_image(path, 560)
    message = raise_message(info, path)
    assert key in message and "missing" in message


def test_frequency_from_freq_axis_disagrees(tmp_path: Path, image_header: fits.Header) -> None:
    path = write_fits(tmp_path / "b1.fits", image_header, 20, 16)
    with pytest.raises(InputError) as info:
        check_image(path, 1400)
    message = raise_message(info, path)
    assert "560 MHz (CRVAL3)" in message and "1400 MHz" in message


def test_frequency_within_tolerance_passes(tmp_path: Path, image_header: fits.Header) -> None:
    header = image_header.copy()
    header["CRVAL3"] = 560e6 * 1.04
    check_image(write_fits(tmp_path / "near.fits", header, 20, 16), 560)


def test_frequency_from_restfrq_disagrees(tmp_path: Path, image_header: fits.Header) -> None:
    header = image_header.copy()
    header["CTYPE3"] = "VRAD"  # no FREQ axis: RESTFRQ is the only frequency left
    header["RESTFRQ"] = 9.2e9
    path = write_fits(tmp_path / "restfrq.fits", header, 20, 16)
    with pytest.raises(InputError, match=r"RESTFRQ") as info:
        check_image(path, 560)
    raise_message(info, path)


# --------------------------------------------------------------------------- primary beam


def test_primary_beam_covering_the_image_passes(tmp_path: Path, image_header, pb_header) -> None:
    image = write_fits(tmp_path / "img.fits", image_header, 20, 16)
    pb = write_fits(tmp_path / "pb.fits", pb_header, 36, 33)
    check_primary_beam(pb, image, freq_mhz=560)


def test_primary_beam_not_covering_the_image(tmp_path: Path, image_header, pb_header) -> None:
    header = image_header.copy()
    # Move the image 20000 px (3.4 deg) east: beyond the 36x33 px beam piece (about 1.3 deg to
    # its edge).
    header["CRPIX1"] = image_header["CRPIX1"] + 20000
    image = write_fits(tmp_path / "far.fits", header, 20, 16)
    pb = write_fits(tmp_path / "pb_piece.fits", pb_header, 36, 33)
    with pytest.raises(InputError) as info:
        check_primary_beam(pb, image)
    message = raise_message(info, pb)
    assert "does not cover" in message and "far.fits" in message


def test_primary_beam_partly_covering_the_image(tmp_path: Path, image_header, pb_header) -> None:
    # A 3x3 px beam around the field centre cannot hold a 2000 px wide image.
    image = write_fits(tmp_path / "wide.fits", image_header, 2000, 20)
    pb = write_fits(tmp_path / "tiny_pb.fits", pb_header, 3, 3)
    with pytest.raises(InputError, match="does not cover") as info:
        check_primary_beam(pb, image)
    raise_message(info, pb)


def test_primary_beam_wrong_frequency(tmp_path: Path, image_header, pb_header) -> None:
    image = write_fits(tmp_path / "img.fits", image_header, 20, 16)
    pb = write_fits(tmp_path / "pb_b1.fits", pb_header, 36, 33)
    with pytest.raises(InputError, match="9200 MHz") as info:
        check_primary_beam(pb, image, freq_mhz=9200)
    raise_message(info, pb)


# --------------------------------------------------------------------------- catalogues


def test_good_catalogue_passes(tmp_path: Path) -> None:
    path = tmp_path / "truth.txt"
    path.write_text("\n".join([ROW] * 5) + "\n")
    assert check_truth_catalogue(path) == 5


def test_training_layout_with_header_lines_passes(tmp_path: Path) -> None:
    path = tmp_path / "train.txt"
    header = [f"COLUMN{i}: something" for i in range(1, 18)] + ["ID RA DEC ..."]
    path.write_text("\n".join(header + [ROW + " 1 19765.491 24650.888"] * 3) + "\n")
    assert check_truth_catalogue(path, skiprows=18) == 3
    # Every published layout is recognised without being told its header lines.
    assert check_truth_catalogue(path) == 3


def test_bad_first_row_is_named_not_skipped_as_a_header(tmp_path: Path) -> None:
    path = tmp_path / "bad_first.cat"
    bad = ROW.split()
    bad[5] = "abc"
    path.write_text("\n".join([" ".join(bad), ROW]) + "\n")
    with pytest.raises(InputError) as info:
        check_truth_catalogue(path)
    assert "line 1, column 6: non-numeric value 'abc'" in raise_message(info, path)


@needs_sample
def test_real_catalogues_pass() -> None:
    assert check_truth_catalogue(SAMPLE / "truth_B1_0.3tr.cat") == 17731
    assert (
        check_truth_catalogue(SAMPLE / "training-truth" / "TrainingSet_B5_v2_ML.txt", skiprows=18)
        == 30
    )
    assert check_truth_catalogue(SAMPLE / "training-truth" / "TrainingSet_B1_v2_ML.txt") == 19222


def test_wrong_column_count(tmp_path: Path) -> None:
    path = tmp_path / "short.cat"
    path.write_text("\n".join([" ".join(ROW.split()[:11])] * 3) + "\n")
    with pytest.raises(InputError) as info:
        check_truth_catalogue(path)
    assert "line 1 has 11 columns, expected 12 or 15" in raise_message(info, path)


def test_ragged_row_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "ragged.cat"
    lines = ["# header"] + [ROW] * 3 + [ROW + " 7"] + [ROW]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as info:
        check_truth_catalogue(path, skiprows=1)
    assert "line 5 has 13 columns" in raise_message(info, path)


def test_short_row_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "shortrow.cat"
    path.write_text("\n".join([ROW, ROW, " ".join(ROW.split()[:10]), ROW]) + "\n")
    with pytest.raises(InputError) as info:
        check_truth_catalogue(path)
    assert "line 3 has 10 columns" in raise_message(info, path)


def test_non_numeric_value_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "text.cat"
    bad = ROW.split()
    bad[5] = "abc"
    path.write_text("\n".join(["h1", "h2", ROW, " ".join(bad), ROW]) + "\n")
    with pytest.raises(InputError) as info:
        check_truth_catalogue(path, skiprows=2)
    assert "line 4, column 6: non-numeric value 'abc'" in raise_message(info, path)


def test_empty_catalogue(tmp_path: Path) -> None:
    path = tmp_path / "empty.cat"
    path.write_text("header only\n")
    with pytest.raises(InputError, match="no data rows") as info:
        check_truth_catalogue(path, skiprows=1)
    raise_message(info, path)
