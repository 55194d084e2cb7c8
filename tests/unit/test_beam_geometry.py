"""Image geometry and beams from headers as CASA, WSClean, AIPS/MIRIAD and CARTA write them."""

from __future__ import annotations

import math
from pathlib import Path

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from sdc1 import beam as geometry
from sdc1.beam import (
    beam_arcsec_from_header,
    beam_from_header,
    celestial_header,
    celestial_wcs,
    image_frequency,
    image_frequency_hz,
    pixel_area_deg2,
    pixel_scale_arcsec,
    pixel_scale_deg,
    pixel_scales_deg,
    pixels_per_beam,
    restoring_beam,
)
from sdc1.errors import InputError
from sdc1.features import common_beam_arcsec
from sdc1.photometry import beam_matched_brightness, smoothing_kernel
from sdc1.simulate.render import beam_fwhm_px
from sdc1.validate import check_image
from tests.helpers import sky_header

RA0, DEC0 = 150.0, 2.0
PIX = 1.0 / 3600  # 1 arcsec pixels
GAUSS_AREA = math.pi / (4 * math.log(2))

# CASA writes PC01_01 (leading zeros), which wcslib reads with a warning.
pytestmark = pytest.mark.filterwarnings("ignore::astropy.wcs.FITSFixedWarning")


def _axes(header: fits.Header, axes: list[tuple], n: int = 64) -> fits.Header:
    header["NAXIS"] = len(axes)
    for i, (ctype, crval, cdelt, crpix, size, *unit) in enumerate(axes, start=1):
        header[f"NAXIS{i}"] = size
    for i, (ctype, crval, cdelt, crpix, size, *unit) in enumerate(axes, start=1):
        header[f"CTYPE{i}"] = ctype
        header[f"CRVAL{i}"] = crval
        if cdelt is not None:
            header[f"CDELT{i}"] = cdelt
        header[f"CRPIX{i}"] = crpix
        if unit:
            header[f"CUNIT{i}"] = unit[0]
    return header


def casa_header() -> fits.Header:
    """CASA (and CARTA's exports): 4x4 PC matrix, CUNITs, RESTFRQ, elliptical beam."""
    h = fits.Header()
    h["BITPIX"] = -32
    _axes(
        h,
        [
            ("RA---SIN", RA0, -PIX, 33.0, 64, "deg"),
            ("DEC--SIN", DEC0, PIX, 33.0, 64, "deg"),
            ("FREQ", 1.4e9, 1e6, 1.0, 1, "Hz"),
            ("STOKES", 1.0, 1.0, 1.0, 1, ""),
        ],
    )
    for i in range(1, 5):
        for j in range(1, 5):
            h[f"PC{i:02d}_{j:02d}"] = 1.0 if i == j else 0.0
    h["BMAJ"], h["BMIN"], h["BPA"] = 3.0 / 3600, 2.0 / 3600, 35.0
    h["BUNIT"] = "Jy/beam"
    h["RESTFRQ"] = 1.4e9
    h["SPECSYS"] = "LSRK"
    h["RADESYS"] = "FK5"
    h["EQUINOX"] = 2000.0
    return h


def wsclean_header() -> fits.Header:
    """WSClean: FREQ axis 3, STOKES axis 4, BPA given, no matrix."""
    h = fits.Header()
    _axes(
        h,
        [
            ("RA---SIN", RA0, -PIX, 33.0, 64, "deg"),
            ("DEC--SIN", DEC0, PIX, 33.0, 64, "deg"),
            ("FREQ", 1.4e9, 2e8, 1.0, 1, "Hz"),
            ("STOKES", 1.0, 1.0, 1.0, 1, ""),
        ],
    )
    h["BMAJ"], h["BMIN"], h["BPA"] = 2.5 / 3600, 2.5 / 3600, 0.0
    h["BUNIT"] = "JY/BEAM"
    h["SPECSYS"] = "TOPOCENT"
    return h


def cd_header() -> fits.Header:
    """AIPS/IRAF-style 2-axis image: a CD matrix (rotated, non-square pixels), frequency in a
    keyword, the beam only in an AIPS HISTORY card."""
    h = fits.Header()
    _axes(h, [("RA---SIN", RA0, None, 33.0, 64), ("DEC--SIN", DEC0, None, 33.0, 64)])
    theta = math.radians(20.0)
    sx, sy = 1.0 * PIX, 1.5 * PIX
    h["CD1_1"], h["CD1_2"] = -sx * math.cos(theta), sy * math.sin(theta)
    h["CD2_1"], h["CD2_2"] = sx * math.sin(theta), sy * math.cos(theta)
    h["FREQ"] = 1.4e9
    h["BUNIT"] = "Jy/Beam"
    h["HISTORY"] = "AIPS   CLEAN BMAJ=  1.1111E-03 BMIN=  6.9444E-04 BPA=  30.00"
    return h


def crota_header() -> fits.Header:
    """MIRIAD/AIPS-style 2-axis image: CDELT with CROTA2, RESTFREQ keyword."""
    h = fits.Header()
    _axes(h, [("RA---SIN", RA0, -PIX, 33.0, 64), ("DEC--SIN", DEC0, PIX, 33.0, 64)])
    h["CROTA2"] = 25.0
    h["RESTFREQ"] = 5.6e8
    h["BMAJ"], h["BMIN"] = 4.0 / 3600, 4.0 / 3600
    h["BUNIT"] = "jy/beam"
    return h


def stokes_first_header(unit: str = "MHz", value: float = 1400.0) -> fits.Header:
    """STOKES before FREQ, the frequency in MHz (any case)."""
    h = fits.Header()
    _axes(
        h,
        [
            ("RA---SIN", RA0, -PIX, 33.0, 64, "deg"),
            ("DEC--SIN", DEC0, PIX, 33.0, 64, "deg"),
            ("STOKES", 1.0, 1.0, 1.0, 1),
            ("FREQ", value, 1.0, 1.0, 1, unit),
        ],
    )
    h["BMAJ"], h["BMIN"], h["BPA"] = 3.0 / 3600, 1.5 / 3600, -60.0
    h["BUNIT"] = "Jy/Beam"
    return h


#: name -> (header, pixel scales deg, frequency Hz, frequency keyword, (bmaj, bmin, bpa) deg)
CASES = {
    "casa": (casa_header, (PIX, PIX), 1.4e9, "CRVAL3", (3.0 / 3600, 2.0 / 3600, 35.0)),
    "wsclean": (wsclean_header, (PIX, PIX), 1.4e9, "CRVAL3", (2.5 / 3600, 2.5 / 3600, 0.0)),
    "aips_cd": (cd_header, (PIX, 1.5 * PIX), 1.4e9, "FREQ", (1.1111e-3, 6.9444e-4, 30.0)),
    "miriad_crota": (crota_header, (PIX, PIX), 5.6e8, "RESTFREQ", (4.0 / 3600, 4.0 / 3600, 0.0)),
    "stokes_first": (
        stokes_first_header,
        (PIX, PIX),
        1.4e9,
        "CRVAL4",
        (3.0 / 3600, 1.5 / 3600, -60.0),
    ),
}


@pytest.fixture(params=sorted(CASES))
def case(request):
    make, scales, freq, key, beam = CASES[request.param]
    return make(), scales, freq, key, beam


def _offset_position(ra: float, dec: float, east_arcsec: float, north_arcsec: float):
    return ra + east_arcsec / 3600 / math.cos(math.radians(dec)), dec + north_arcsec / 3600


def test_celestial_wcs_maps_sky_to_pixels(case) -> None:
    header, scales, *_ = case
    full = WCS(header)
    for wcs in (celestial_wcs(header), WCS(celestial_header(header))):
        assert wcs.naxis == 2
        x, y = wcs.world_to_pixel_values(RA0, DEC0)
        assert (x, y) == pytest.approx((32.0, 32.0), abs=1e-9)
        ra, dec = _offset_position(RA0, DEC0, 5.0, -3.0)
        x, y = wcs.world_to_pixel_values(np.array([ra]), np.array([dec]))
        extra = [full.wcs.crval[i] for i in range(2, full.naxis)]
        expected = full.all_world2pix([[ra, dec, *extra]], 0)[0][:2]
        assert (x[0], y[0]) == pytest.approx(tuple(expected), abs=1e-9)
        # The offset is 5.8 arcsec from the reference pixel, in pixels of the given sizes.
        assert math.hypot(x[0] - 32, y[0] - 32) <= math.hypot(5, 3) / min(scales) * 3600 / 3600
    reduced = celestial_header(header)
    assert reduced["NAXIS"] == 2 and (reduced["NAXIS1"], reduced["NAXIS2"]) == (64, 64)
    assert not [k for k in reduced if k[:2] in ("PC", "CD") and ("3" in k or "4" in k)]
    assert reduced["BUNIT"] == header["BUNIT"]


def test_pixel_scale_and_area_come_from_the_full_matrix(case) -> None:
    header, (sx, sy), *_ = case
    assert pixel_scales_deg(header) == pytest.approx((sx, sy), rel=1e-12)
    assert pixel_scale_deg(header) == pytest.approx(math.sqrt(sx * sy), rel=1e-12)
    assert pixel_scale_arcsec(header) == pytest.approx(math.sqrt(sx * sy) * 3600, rel=1e-12)
    assert pixel_area_deg2(header) == pytest.approx(sx * sy, rel=1e-12)
    assert geometry.pixel_area_arcsec2(header) == pytest.approx(sx * sy * 3600**2, rel=1e-12)


def test_frequency_from_any_axis_or_keyword(case) -> None:
    header, _, freq, key, _ = case
    assert image_frequency(header) == (pytest.approx(freq, rel=1e-15), key)
    assert image_frequency_hz(header) == pytest.approx(freq, rel=1e-15)


def test_beam_and_pixels_per_beam(case) -> None:
    header, (sx, sy), _, _, (bmaj, bmin, bpa) = case
    beam = restoring_beam(header)
    assert beam.major.to_value(u.deg) == pytest.approx(bmaj, rel=1e-12)
    assert beam.minor.to_value(u.deg) == pytest.approx(bmin, rel=1e-12)
    assert beam.pa.to_value(u.deg) == pytest.approx(bpa, abs=1e-12)
    # What PyBDSF's `beam` option receives.
    assert beam_from_header(header) == pytest.approx((bmaj, bmin, bpa), rel=1e-12)
    assert beam_arcsec_from_header(header) == pytest.approx(math.sqrt(bmaj * bmin) * 3600)
    expected = GAUSS_AREA * bmaj * bmin / (sx * sy)
    assert pixels_per_beam(header) == pytest.approx(expected, rel=1e-12)
    assert float((beam.sr / (pixel_area_deg2(header) * u.deg**2)).decompose()) == pytest.approx(
        expected, rel=1e-9
    )
    assert beam_fwhm_px(header) == pytest.approx(math.sqrt(bmaj * bmin / (sx * sy)), rel=1e-12)


def test_pybdsf_receives_the_elliptical_beam() -> None:
    header = casa_header()
    assert beam_from_header(header) == (3.0 / 3600, 2.0 / 3600, 35.0)


def test_missing_bpa_is_zero_and_swapped_axes_are_the_same_ellipse() -> None:
    header = casa_header()
    del header["BPA"]
    assert beam_from_header(header)[2] == 0.0
    header["BMAJ"], header["BMIN"], header["BPA"] = 2.0 / 3600, 3.0 / 3600, 10.0
    beam = restoring_beam(header)
    assert beam.major.to_value(u.arcsec) == pytest.approx(3.0)
    assert beam.pa.to_value(u.deg) == pytest.approx(100.0)


@pytest.mark.parametrize(
    "unit,value", [("MHz", 1400.0), ("mhz", 1400.0), ("GHz", 1.4), ("GHZ", 1.4), ("kHz", 1.4e6)]
)
def test_frequency_units(unit: str, value: float) -> None:
    header = stokes_first_header(unit, value)
    assert image_frequency_hz(header) == pytest.approx(1.4e9, rel=1e-12)
    assert celestial_wcs(header).naxis == 2


def test_unknown_frequency_unit_is_a_one_line_error_naming_the_keyword(tmp_path: Path) -> None:
    header = wsclean_header()
    header["CUNIT3"] = "furlong"
    with pytest.raises(InputError, match=r"^CUNIT3 = 'furlong' is not a frequency unit"):
        image_frequency_hz(header)
    path = tmp_path / "odd.fits"
    fits.writeto(path, np.zeros((1, 1, 64, 64), np.float32), header)
    for call in (
        lambda: image_frequency(header, path),
        lambda: celestial_wcs(header, path),
        lambda: check_image(path, 1400),
    ):
        with pytest.raises(InputError) as info:
            call()
        message = str(info.value)
        assert "\n" not in message and message.startswith(f"{path}: ") and "CUNIT3" in message


@pytest.mark.parametrize(
    "key,value,match",
    [
        ("BMAJ", "big", r"BMAJ = 'big' is not a number"),
        ("BMIN", -1.0, r"BMIN = -1.0 is not a positive beam size"),
        ("BPA", "north", r"BPA = 'north' is not a number"),
        ("BMAJ", True, r"BMAJ = True is not a number"),
        ("CRVAL3", "1.4GHz", r"CRVAL3 = '1.4GHz' is not a number"),
    ],
)
def test_bad_keywords_are_named(key: str, value, match: str) -> None:
    header = wsclean_header()
    header[key] = value
    with pytest.raises(InputError, match=r"^im\.fits: " + match):
        restoring_beam(header, "im.fits") if key.startswith("B") else image_frequency(
            header, "im.fits"
        )


@pytest.mark.parametrize("key,other", [("BMAJ", "BMIN"), ("BMIN", "BMAJ")])
def test_half_a_beam_is_named_not_guessed(key: str, other: str) -> None:
    # One of the two keywords lost (a bad edit or copy), not a circular beam.
    header = wsclean_header()
    del header[key]
    with pytest.raises(InputError, match=rf"^im\.fits: image header lacks {key} .*{other}"):
        beam_from_header(header, "im.fits")


def test_no_beam_and_no_frequency() -> None:
    header = crota_header()
    del header["BMAJ"], header["BMIN"], header["RESTFREQ"]
    assert image_frequency_hz(header) is None
    with pytest.raises(InputError, match=r"^x\.fits: image header lacks BMAJ"):
        pixels_per_beam(header, "x.fits")


def test_casa_header_passes_validation(tmp_path: Path) -> None:
    path = tmp_path / "casa.fits"
    fits.writeto(path, np.zeros((1, 1, 64, 64), np.float32), casa_header())
    check_image(path, 1400)
    with pytest.raises(InputError, match="CRVAL3"):
        check_image(path, 560)


def test_aips_history_beam_passes_validation(tmp_path: Path) -> None:
    path = tmp_path / "aips.fits"
    fits.writeto(path, np.zeros((64, 64), np.float32), cd_header())
    header = check_image(path, 1400)
    assert restoring_beam(header).major.to_value(u.deg) == pytest.approx(1.1111e-3)


# --------------------------------------------------------------------------- SDC1 headers


def _sdc1_header_checks(header: fits.Header) -> None:
    cdelt2 = abs(float(header["CDELT2"]))
    assert pixel_scale_deg(header) == cdelt2
    assert pixel_scale_arcsec(header) == cdelt2 * 3600.0
    bmaj, bmin = float(header["BMAJ"]), float(header["BMIN"])
    assert beam_from_header(header) == (bmaj, bmin, 0.0)
    assert beam_arcsec_from_header(header) == float(np.sqrt(bmaj * bmin) * 3600.0)
    assert pixels_per_beam(header) == float(
        np.pi / (4.0 * np.log(2.0)) * bmaj * bmin / abs(header["CDELT1"] * header["CDELT2"])
    )
    assert beam_fwhm_px(header) == float(np.sqrt(bmaj * bmin) / cdelt2)
    assert image_frequency(header) == (float(header["CRVAL3"]), "CRVAL3")
    assert common_beam_arcsec(header, header) == 1.25 * bmaj * 3600.0
    reduced = celestial_header(header)
    assert "NAXIS3" not in reduced and "CTYPE4" not in reduced and reduced["NAXIS"] == 2
    for key in ("CRPIX1", "CRPIX2", "CRVAL1", "CRVAL2", "CTYPE1", "CTYPE2", "BMAJ"):
        assert reduced[key] == header[key]


def test_sdc1_like_header_numbers_are_unchanged() -> None:
    _sdc1_header_checks(sky_header(100, pixel_arcsec=0.6, beam_arcsec=1.5, freq_hz=560e6))


def test_real_sdc1_header_numbers_are_unchanged(sdc1_sample: Path) -> None:
    with pytest.warns(fits.verify.VerifyWarning, match="BLANK"):
        header = fits.getheader(sdc1_sample / "B1_1000h_0.05tr.fits")
    _sdc1_header_checks(header)
    assert pixel_scale_deg(header) == 1.67847e-4


# --------------------------------------------------------------------------- photometry


def test_smoothing_kernel_deconvolves_an_elliptical_beam() -> None:
    beam = restoring_beam(casa_header())
    kernel = smoothing_kernel(beam, 3.75)
    back = beam.convolve(kernel)
    assert back.major.to_value(u.arcsec) == pytest.approx(3.75, rel=1e-6)
    assert back.minor.to_value(u.arcsec) == pytest.approx(3.75, rel=1e-6)
    # The kernel's long axis lies along the beam's short one.
    assert kernel.major.to_value(u.arcsec) == pytest.approx(math.sqrt(3.75**2 - 2**2))
    assert kernel.minor.to_value(u.arcsec) == pytest.approx(math.sqrt(3.75**2 - 3**2))
    assert (kernel.pa.to_value(u.deg) - 35.0) % 180 == pytest.approx(90.0)
    with pytest.raises(ValueError, match="must exceed"):
        smoothing_kernel(beam, 2.5)


@pytest.mark.parametrize("make", [casa_header, cd_header, stokes_first_header])
def test_point_source_through_an_elliptical_beam_reads_its_flux(tmp_path: Path, make) -> None:
    """A point source drawn with the header's elliptical beam (on its possibly rotated,
    non-square pixels) reads its flux once smoothed to a circular beam."""
    header = make()
    wcs = celestial_wcs(header)
    bmaj, bmin, bpa = (
        v.to_value(u.arcsec) if i < 2 else v.to_value(u.rad)
        for i, v in enumerate((lambda b: (b.major, b.minor, b.pa))(restoring_beam(header)))
    )
    src_ra, src_dec = _offset_position(RA0, DEC0, 4.3, -2.7)
    y, x = np.mgrid[:64, :64]
    ra, dec = wcs.pixel_to_world_values(x, y)
    east = (ra - src_ra) * math.cos(math.radians(src_dec)) * 3600
    north = (dec - src_dec) * 3600
    along_major = east * math.sin(bpa) + north * math.cos(bpa)
    along_minor = east * math.cos(bpa) - north * math.sin(bpa)
    fwhm = 2 * math.sqrt(2 * math.log(2))
    data = 2e-5 * np.exp(
        -0.5 * ((along_major / (bmaj / fwhm)) ** 2 + (along_minor / (bmin / fwhm)) ** 2)
    )
    path = tmp_path / "ellipse.fits"
    shape = (1,) * (header["NAXIS"] - 2) + data.shape
    fits.writeto(path, data.reshape(shape).astype(np.float32), header)
    target = 1.25 * bmaj
    value = beam_matched_brightness(path, [src_ra], [src_dec], target)[0]
    assert value == pytest.approx(2e-5, rel=0.01)
