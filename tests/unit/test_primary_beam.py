"""Primary-beam correction on small arrays and the real SDC1 headers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from sdc1.beam import celestial_header
from sdc1.errors import InputError
from sdc1.io import read_image
from sdc1.primary_beam import (
    correct_block,
    correct_primary_beam,
    regrid_primary_beam,
    response_at,
)


def write_image(path: Path, data: np.ndarray, cdelt: float, crpix: tuple[float, float]) -> Path:
    header = fits.Header()
    header["CTYPE1"], header["CTYPE2"] = "RA---SIN", "DEC--SIN"
    header["CRVAL1"], header["CRVAL2"] = 0.0, -30.0
    header["CDELT1"], header["CDELT2"] = -cdelt, cdelt
    header["CRPIX1"], header["CRPIX2"] = crpix
    header["BMAJ"] = header["BMIN"] = 4.1667e-4
    fits.writeto(path, data.astype(np.float32), header)
    return path


def test_correct_block_divides_and_blanks_below_floor() -> None:
    image = np.full((2, 3), 2.0, dtype=np.float32)
    beam = np.array([[1.0, 0.5, 0.05], [np.nan, 0.25, 1.0]])
    out = correct_block(image, beam, min_pb=0.1)
    np.testing.assert_allclose(out[0, :2], [2.0, 4.0])
    assert np.isnan(out[0, 2]) and np.isnan(out[1, 0])
    np.testing.assert_allclose(out[1, 1:], [8.0, 2.0])


def test_constant_beam_scales_image_exactly(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    data = rng.normal(size=(50, 40))
    image = write_image(tmp_path / "image.fits", data, 1e-4, (20, 25))
    beam = write_image(tmp_path / "beam.fits", np.full((9, 9), 0.5), 0.01, (5, 5))
    out = tmp_path / "pbcor.fits"
    correct_primary_beam(image, beam, out, min_pb=0.1, block_rows=7)
    corrected, header = read_image(out)
    np.testing.assert_allclose(corrected, data.astype(np.float32) / 0.5, rtol=1e-6)
    assert header["BMAJ"] == pytest.approx(4.1667e-4)


def test_block_size_does_not_change_the_result(tmp_path: Path) -> None:
    data = np.ones((64, 48))
    image = write_image(tmp_path / "image.fits", data, 5e-3, (24, 32))
    yy, xx = np.mgrid[0:21, 0:21]
    beam_plane = np.exp(-((xx - 10) ** 2 + (yy - 10) ** 2) / 40.0)
    beam = write_image(tmp_path / "beam.fits", beam_plane, 0.02, (11, 11))
    one_block, many_blocks = tmp_path / "a.fits", tmp_path / "b.fits"
    correct_primary_beam(image, beam, one_block, min_pb=0.05, block_rows=1000)
    correct_primary_beam(image, beam, many_blocks, min_pb=0.05, block_rows=5)
    a, _ = read_image(one_block)
    b, _ = read_image(many_blocks)
    np.testing.assert_array_equal(a, b)
    # Corrected flux grows away from the centre, where the beam falls.
    assert a[32, 24] < a[0, 0]


def test_without_beam_the_image_is_copied(tmp_path: Path) -> None:
    data = np.arange(12.0).reshape(3, 4)
    image = write_image(tmp_path / "image.fits", data, 1e-4, (2, 2))
    out = tmp_path / "copy.fits"
    correct_primary_beam(image, None, out)
    np.testing.assert_array_equal(read_image(out)[0], data)


def test_invalid_floor_is_rejected_before_writing(tmp_path: Path) -> None:
    image = write_image(tmp_path / "image.fits", np.ones((3, 3)), 1e-4, (2, 2))
    with pytest.raises(InputError, match="min_pb"):
        correct_primary_beam(image, None, tmp_path / "out.fits", min_pb=0.0)
    assert not (tmp_path / "out.fits").exists()


def test_real_cutout_beam_is_sdc1_like(tmp_path: Path, sdc1_sample: Path) -> None:
    """The real 560 MHz cutout sits 0.3-0.6 deg from the centre: beam 0.84-0.95."""
    image = sdc1_sample / "B1_1000h_0.05tr.fits"
    pb = sdc1_sample / "PrimaryBeam_B1.fits"
    raw, header = read_image(image)
    pb_plane, pb_header = read_image(pb)
    beam = regrid_primary_beam(
        np.asarray(pb_plane, float),
        WCS(celestial_header(pb_header)),
        WCS(celestial_header(header)),
        raw.shape,
    )
    assert 0.8 < np.nanmin(beam) <= np.nanmax(beam) < 0.97
    out = tmp_path / "pbcor.fits"
    correct_primary_beam(image, pb, out)
    corrected, _ = read_image(out)
    np.testing.assert_allclose(corrected, raw / beam, rtol=1e-5)


def test_beam_on_nodes_matches_the_exact_beam(sdc1_sample: Path) -> None:
    """Large images get the beam on 32-px nodes: within 2e-4 of exact, whatever the blocks."""
    raw, header = read_image(sdc1_sample / "B1_1000h_0.3tr.fits")
    pb_plane, pb_header = read_image(sdc1_sample / "PrimaryBeam_B1.fits")
    wcs, pb_wcs = WCS(celestial_header(header)), WCS(celestial_header(pb_header))
    exact = regrid_primary_beam(pb_plane, pb_wcs, wcs, raw.shape, 0)
    nodes = regrid_primary_beam(pb_plane, pb_wcs, wcs, raw.shape, 0, node_step=32)
    assert np.array_equal(np.isnan(exact), np.isnan(nodes))
    assert np.nanmax(np.abs(nodes / exact - 1)) < 2e-4
    block = regrid_primary_beam(pb_plane, pb_wcs, wcs, (300, raw.shape[1]), 500, node_step=32)
    assert np.array_equal(block, nodes[500:800])


def test_response_at_sky_positions_is_bilinear_in_the_beam_pixels(tmp_path: Path) -> None:
    # A beam that falls linearly along x: 1 at pixel 0 to 0.5 at pixel 10.
    plane = np.tile(1.0 - 0.05 * np.arange(11), (11, 1))
    pb = write_image(tmp_path / "pb.fits", plane, cdelt=0.1, crpix=(1.0, 6.0))
    wcs = WCS(celestial_header(fits.getheader(pb)))
    ra, dec = wcs.all_pix2world([0.0, 4.5, 10.0, 30.0], [5.0, 5.0, 5.0, 5.0], 0)
    response = response_at(pb, ra, dec)
    np.testing.assert_allclose(response[:3], [1.0, 0.775, 0.5], atol=1e-6)
    assert np.isnan(response[3])  # off the beam's grid
    assert np.isnan(response_at(None, ra, dec)).all()  # no beam given
