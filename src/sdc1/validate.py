"""Validation of input files at the point of entry.

Every check raises :class:`sdc1.errors.InputError` with a one-line message that
names the file and what is wrong with it, so that a bad download or a wrong
path stops the workflow before any expensive job starts. The checks are cheap:
they read FITS headers (never the pixels) and compare the file size with what
the header implies; only catalogues are parsed in full, which takes well under
a second for the SDC1 training catalogues.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from astropy.io import fits
from astropy.utils.exceptions import AstropyWarning
from astropy.wcs import WCS

from sdc1 import beam
from sdc1.errors import InputError
from sdc1.io import catalogue_header_lines

#: Relative difference allowed between the header frequency and the expected one.
FREQ_TOLERANCE = 0.05
#: Column counts of an SDC1 catalogue: 12 SDC1 columns, or 15 in the training sets.
TRUTH_COLUMN_COUNTS: tuple[int, ...] = (12, 15)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


# --------------------------------------------------------------------------- FITS


def expected_data_bytes(header: fits.Header) -> int:
    """Return the number of data bytes a FITS header declares (without block padding).

    Parameters
    ----------
    header : astropy.io.fits.Header
        Header of one HDU.

    Returns
    -------
    int
        ``|BITPIX| / 8 * GCOUNT * (PCOUNT + NAXIS1 * ... * NAXISn)``; 0 without axes.
    """
    naxis = int(header.get("NAXIS", 0))
    if naxis == 0:
        return 0
    axes = [int(header.get(f"NAXIS{i}", 0)) for i in range(1, naxis + 1)]
    # Random groups (NAXIS1 = 0) do not count the first axis.
    if axes[0] == 0 and header.get("GROUPS", False):
        axes = axes[1:]
    count = math.prod(axes)
    return (
        abs(int(header["BITPIX"]))
        // 8
        * int(header.get("GCOUNT", 1))
        * (int(header.get("PCOUNT", 0)) + count)
    )


def read_fits_header(path: str | os.PathLike) -> fits.Header:
    """Return the primary header of a FITS file, checking that the file is whole.

    Only the header is read. A file shorter than its header's data size (an
    interrupted copy, say) is reported as truncated.

    Raises
    ------
    InputError
        If the file is missing, not FITS, or truncated.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        with warnings.catch_warnings():
            # Real SDC1 headers carry a BLANK keyword astropy warns about; the
            # checks below are what matters here.
            warnings.simplefilter("ignore", AstropyWarning)
            with fits.open(path, memmap=False, lazy_load_hdus=True) as hdul:
                header = hdul[0].header.copy()
                data_offset = hdul.fileinfo(0)["datLoc"]
    # astropy raises many exception types for a corrupt file; whichever it is,
    # the file cannot be used.
    except Exception as exc:  # noqa: BLE001
        raise InputError(f"{path}: not a readable FITS file ({_one_line(exc)})") from None
    try:
        needed = data_offset + expected_data_bytes(header)
    except (KeyError, ValueError, TypeError) as exc:
        raise InputError(
            f"{path}: FITS header has invalid axis keywords ({_one_line(exc)})"
        ) from None
    actual = path.stat().st_size
    if actual < needed:
        raise InputError(
            f"{path}: truncated FITS file: {actual} bytes, the header implies at least {needed}"
        )
    return header


def celestial_wcs(header: fits.Header, path: str | os.PathLike) -> WCS:
    """Return the 2-D celestial WCS of a header; ``path`` is named in errors.

    See :func:`sdc1.beam.celestial_wcs`: any axis order, ``PCi_j``/``CDi_j`` matrices.
    """
    return beam.celestial_wcs(header, path)


def header_frequency_hz(
    header: fits.Header, path: str | os.PathLike | None = None
) -> tuple[float, str] | None:
    """Return the frequency a header gives, in Hz, and the keyword it came from.

    The CRVAL of a FREQ axis (any axis number, in its CUNIT) wins over
    RESTFRQ/RESTFREQ/FREQ; ``None`` if none exists. An unknown frequency unit raises
    :class:`InputError` naming ``path`` and the keyword (see
    :func:`sdc1.beam.image_frequency`).
    """
    return beam.image_frequency(header, path)


def check_frequency(
    header: fits.Header,
    freq_mhz: float,
    path: str | os.PathLike,
    tolerance: float = FREQ_TOLERANCE,
) -> None:
    """Raise if the header's frequency differs from ``freq_mhz`` by more than ``tolerance``.

    A header without any frequency passes: there is nothing to disagree with.
    """
    found = header_frequency_hz(header, path)
    if found is None:
        return
    freq_hz, key = found
    if not abs(freq_hz / 1e6 - freq_mhz) <= tolerance * freq_mhz:
        raise InputError(
            f"{path}: header frequency {freq_hz / 1e6:g} MHz ({key}) differs from the expected "
            f"{freq_mhz:g} MHz by more than {tolerance:.0%}"
        )


def check_image(
    path: str | os.PathLike, freq_mhz: float, *, tolerance: float = FREQ_TOLERANCE
) -> fits.Header:
    """Check a sky image before it enters the workflow.

    Parameters
    ----------
    path : path-like
        FITS image.
    freq_mhz : float
        Frequency the image should have (560, 1400 or 9200 for SDC1).
    tolerance : float
        Allowed relative frequency difference.

    Returns
    -------
    astropy.io.fits.Header
        The primary header.

    Raises
    ------
    InputError
        Unreadable or truncated file, no celestial WCS, no usable restoring beam (see
        :func:`sdc1.beam.beam_from_header`), or a header frequency more than
        ``tolerance`` away from ``freq_mhz``.
    """
    header = read_fits_header(path)
    celestial_wcs(header, path)
    # The reader every job uses, so that what passes here is what they can read.
    beam.restoring_beam(header, path)
    check_frequency(header, freq_mhz, path, tolerance)
    return header


def _border_pixels(nx: int, ny: int, per_edge: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Points along the outer edge of an ``nx`` x ``ny`` pixel grid (0-based pixel coords)."""
    xs = np.linspace(-0.5, nx - 0.5, per_edge)
    ys = np.linspace(-0.5, ny - 0.5, per_edge)
    x = np.concatenate([xs, xs, np.full(per_edge, -0.5), np.full(per_edge, nx - 0.5)])
    y = np.concatenate([np.full(per_edge, -0.5), np.full(per_edge, ny - 0.5), ys, ys])
    return x, y


def uncovered_fraction(
    inner: WCS, inner_shape: tuple[int, int], outer: WCS, outer_shape: tuple[int, int]
) -> float:
    """Fraction of the inner image's border that falls outside the outer image's footprint.

    Both WCSs are 2-D celestial; shapes are ``(nx, ny)``. Sampling the border
    (not just the corners) allows for curved projections; a convex outer
    footprint then covers the whole inner image when it covers its border.
    """
    x, y = _border_pixels(*inner_shape)
    lon, lat = inner.pixel_to_world_values(x, y)
    with np.errstate(invalid="ignore"):
        px, py = outer.world_to_pixel_values(lon, lat)
    eps = 1e-6  # pixels: shared edges must count as covered despite rounding
    nx, ny = outer_shape
    inside = (
        np.isfinite(px)
        & np.isfinite(py)
        & (px >= -0.5 - eps)
        & (px <= nx - 0.5 + eps)
        & (py >= -0.5 - eps)
        & (py <= ny - 0.5 + eps)
    )
    return float(1.0 - inside.mean())


def _sky_shape(header: fits.Header, path: str | os.PathLike) -> tuple[int, int]:
    try:
        return int(header["NAXIS1"]), int(header["NAXIS2"])
    except (KeyError, ValueError, TypeError):
        raise InputError(f"{path}: header has no NAXIS1/NAXIS2 image size") from None


def check_primary_beam(
    pb_path: str | os.PathLike,
    image_path: str | os.PathLike,
    *,
    freq_mhz: float | None = None,
    tolerance: float = FREQ_TOLERANCE,
) -> fits.Header:
    """Check that a primary-beam image is usable for an image.

    Parameters
    ----------
    pb_path : path-like
        FITS primary beam.
    image_path : path-like
        The image it should correct (only its header is read).
    freq_mhz : float, optional
        Expected frequency of the beam; not checked when ``None``.
    tolerance : float
        Allowed relative frequency difference.

    Returns
    -------
    astropy.io.fits.Header
        The beam's primary header.

    Raises
    ------
    InputError
        Unreadable or truncated beam, no celestial WCS, wrong frequency, or a
        beam whose sky footprint does not cover the image's.
    """
    pb_header = read_fits_header(pb_path)
    pb_wcs = celestial_wcs(pb_header, pb_path)
    if freq_mhz is not None:
        check_frequency(pb_header, freq_mhz, pb_path, tolerance)
    image_header = read_fits_header(image_path)
    image_wcs = celestial_wcs(image_header, image_path)
    outside = uncovered_fraction(
        image_wcs, _sky_shape(image_header, image_path), pb_wcs, _sky_shape(pb_header, pb_path)
    )
    if outside > 0:
        centre = image_wcs.pixel_to_world_values(
            *(np.array(_sky_shape(image_header, image_path)) / 2 - 0.5)
        )
        raise InputError(
            f"{pb_path}: primary beam does not cover the image {Path(image_path).name} "
            f"({outside:.0%} of the image border lies outside it; "
            f"image centre RA {float(centre[0]):.4f}, "
            f"Dec {float(centre[1]):.4f} deg)"
        )
    return pb_header


# --------------------------------------------------------------------------- catalogues


def _first_bad_line(path: Path, skiprows: int, ncols: Sequence[int]) -> str | None:
    """Scan a catalogue line by line; describe the first bad line, or ``None``."""
    width: int | None = None
    with open(path, encoding="utf-8", errors="replace") as handle:
        for lineno, line in enumerate(handle, start=1):
            if lineno <= skiprows:
                continue
            fields = line.split("#", 1)[0].split()
            if not fields:
                continue
            if width is None:
                if len(fields) not in ncols:
                    expected = " or ".join(str(n) for n in ncols)
                    return f"line {lineno} has {len(fields)} columns, expected {expected}"
                width = len(fields)
            elif len(fields) != width:
                return f"line {lineno} has {len(fields)} columns, the first data line has {width}"
            for column, value in enumerate(fields, start=1):
                try:
                    float(value)
                except ValueError:
                    return f"line {lineno}, column {column}: non-numeric value {value[:40]!r}"
    if width is None:
        return f"no data rows after line {skiprows}"
    return None


def check_truth_catalogue(
    path: str | os.PathLike,
    skiprows: int | None = None,
    *,
    ncols: Sequence[int] = TRUTH_COLUMN_COUNTS,
) -> int:
    """Check a whitespace-separated SDC1 truth catalogue.

    Parameters
    ----------
    path : path-like
        The catalogue.
    skiprows : int, optional
        Header lines before the data (18 for the SDC1 training sets); by default
        found by :func:`sdc1.io.catalogue_header_lines`.
    ncols : sequence of int
        Allowed column counts.

    Returns
    -------
    int
        Number of data rows.

    Raises
    ------
    InputError
        Missing or empty file, a line with the wrong number of columns, or a
        non-numeric value; the message gives the line number (1-based, header
        lines counted).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if skiprows is None:
        skiprows = catalogue_header_lines(path)
    # Fast path: pandas' C parser. Only when it objects (or pads short rows
    # with NaN) is the file scanned line by line to say where and what.
    try:
        frame = pd.read_csv(
            path, sep=r"\s+", header=None, skiprows=skiprows, comment="#", dtype=float
        )
        ok = frame.shape[1] in ncols and len(frame) > 0 and not frame.isna().to_numpy().any()
        parse_error = None
    except (
        ValueError,
        pd.errors.ParserError,
        pd.errors.EmptyDataError,
        UnicodeDecodeError,
    ) as exc:
        ok, frame, parse_error = False, None, exc
    if ok and frame is not None:
        return len(frame)
    problem = _first_bad_line(path, skiprows, ncols)
    if problem is not None:
        raise InputError(f"{path}: {problem}")
    if parse_error is not None:
        raise InputError(f"{path}: not a readable catalogue ({_one_line(parse_error)})")
    # Only literal NaN values were found: numeric, so acceptable.
    assert frame is not None
    return len(frame)


# --------------------------------------------------------------------------- pixels


def check_background_rms(rms: np.ndarray, path: str | os.PathLike) -> None:
    """Raise unless an image's background rms is positive somewhere.

    An image with no noise (all pixels equal, e.g. all zero) has nothing to
    threshold against: PyBDSF would stop with an "unphysical rms" traceback.
    Partly blank images pass; their blank (NaN) regions are simply not searched.

    Parameters
    ----------
    rms : numpy.ndarray
        Background rms (on any grid, e.g. :attr:`sdc1.background.BackgroundGrid.rms`).
    path : path-like
        The image, named in the error.

    Raises
    ------
    InputError
        If no rms value is finite and positive.
    """
    rms = np.asarray(rms, dtype=float)
    if not np.any(np.isfinite(rms) & (rms > 0)):
        raise InputError(
            f"{path}: background rms is zero everywhere (constant pixels, e.g. all 0): nothing to "
            "detect sources against; blank regions should be NaN, not 0"
        )
