"""Image geometry and restoring beam, read from a FITS header: the one place that does it.

Radio images come from many writers, and each spells the same geometry its own way:

* the sky axes: ``CDELTn`` alone (SDC1, MIRIAD), ``CDELTn`` with a ``PCi_j`` matrix over
  all four axes (CASA, CARTA exports), a ``CDi_j`` matrix or ``CROTA2`` (AIPS, IRAF);
* the other axes: FREQ then STOKES (SDC1, CASA), STOKES before FREQ, or none at all
  (a 2-axis image with the frequency in a keyword);
* the frequency: the reference value of the FREQ axis in ``CUNITn`` (Hz by default, or kHz,
  MHz, GHz), else a ``RESTFRQ``/``RESTFREQ``/``FREQ`` keyword;
* the restoring beam: ``BMAJ``/``BMIN``/``BPA`` in degrees (``BPA`` often missing, taken
  as 0), or only an AIPS ``HISTORY ... CLEAN BMAJ= ...`` card.

Everything here goes through astropy's WCS (``WCS(header).celestial``) and radio-beam's
:class:`~radio_beam.Beam`, so every module that needs a pixel scale, a beam or a frequency
gets the same answer whatever wrote the header. A header that cannot be used raises
:class:`sdc1.errors.InputError` with one line naming the file (when a path is given) and the
keyword at fault.

For the SDC1 images (circular beam, ``CDELTn`` without a matrix, axes RA, DEC, FREQ,
STOKES) the numbers are exactly those read directly from the keywords before this module
existed: ``pixel_scale_deg`` equals ``|CDELT2|``, ``pixels_per_beam`` the closed formula.
"""

from __future__ import annotations

import math
import os
import re
import warnings

import astropy.units as u
import numpy as np
from astropy.io import fits
from astropy.utils.exceptions import AstropyWarning
from astropy.wcs import WCS
from radio_beam import Beam

from sdc1.errors import InputError

__all__ = [
    "Beam",
    "pybdsf_header",
    "beam_arcsec_from_header",
    "beam_from_header",
    "celestial_header",
    "celestial_wcs",
    "history_beam",
    "image_frequency",
    "image_frequency_hz",
    "pixel_area_arcsec2",
    "pixel_area_deg2",
    "pixel_scale_arcsec",
    "pixel_scale_deg",
    "pixel_scales_deg",
    "pixels_per_beam",
    "restoring_beam",
]

DEG_TO_ARCSEC = 3600.0

#: Frequency units a FREQ axis may use (``CUNITn``, compared case-insensitively).
FREQ_UNITS: dict[str, float] = {"HZ": 1.0, "KHZ": 1e3, "MHZ": 1e6, "GHZ": 1e9}

#: Keywords that give the frequency of an image without a FREQ axis, in Hz, by priority.
FREQ_KEYWORDS: tuple[str, ...] = ("RESTFRQ", "RESTFREQ", "FREQ")

#: Keywords of the primary WCS that describe pixel axes (``CTYPE3``, ``PC1_4``, ``PC001004``,
#: ``PV2_1``...): the axis numbers they refer to are in the groups.
_AXIS_KEY = re.compile(r"^(?:NAXIS|CTYPE|CRVAL|CRPIX|CDELT|CUNIT|CROTA|CNAME|CRDER|CSYER)(\d+)$")
_MATRIX_KEY = re.compile(r"^(?:PC|CD)(?:\d+_\d+|\d{6})$")
_PARAM_KEY = re.compile(r"^(?:PV|PS)(\d+)_\d+$")


def _where(path: str | os.PathLike | None) -> str:
    """The prefix of an error message: ``"path: "`` when a path is known."""
    return f"{path}: " if path is not None else ""


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _number(header: fits.Header, key: str, path: str | os.PathLike | None) -> float:
    """``header[key]`` as a finite float, or an InputError naming the keyword."""
    value = header[key]
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise InputError(f"{_where(path)}{key} = {value!r} is not a number")
    value = float(value)
    if not math.isfinite(value):
        raise InputError(f"{_where(path)}{key} = {value!r} is not a finite number")
    return value


# --------------------------------------------------------------------------- sky axes


#: The spelling wcslib accepts of each frequency unit.
_FREQ_UNIT_SPELLING = {"HZ": "Hz", "KHZ": "kHz", "MHZ": "MHz", "GHZ": "GHz"}


def _wcslib_units(header: fits.Header) -> fits.Header:
    """``header``, or a copy whose frequency units wcslib can read (``mhz`` -> ``MHz``).

    FITS units are case-sensitive and wcslib reads ``mhz`` as milli-hz-something; radio
    software writes all cases of these four, and every one of them means the obvious.
    """
    fixed = None
    naxis = max(int(header.get("NAXIS", 0) or 0), int(header.get("WCSAXES", 0) or 0))
    for i in range(1, naxis + 1):
        unit = header.get(f"CUNIT{i}")
        if isinstance(unit, str):
            spelling = _FREQ_UNIT_SPELLING.get(unit.strip().upper())
            if spelling is not None and spelling != unit:
                fixed = header.copy() if fixed is None else fixed
                fixed[f"CUNIT{i}"] = spelling
    return header if fixed is None else fixed


def _full_wcs(header: fits.Header, path: str | os.PathLike | None) -> WCS:
    try:
        with warnings.catch_warnings():
            # astropy fixes and warns about many harmless non-standard keywords
            # (BLANK in float images, old date formats, PC01_01); what matters is the result.
            warnings.simplefilter("ignore", AstropyWarning)
            return WCS(_wcslib_units(header))
    except Exception as exc:  # noqa: BLE001  (astropy.wcs raises many types)
        # wcslib refuses a FREQ axis in an unknown unit; name the keyword in one line.
        image_frequency(header, path)
        raise InputError(f"{_where(path)}invalid WCS in the header ({_one_line(exc)})") from None


def _ctypes(header: fits.Header) -> list[str]:
    return [header.get(f"CTYPE{i}", "") for i in range(1, int(header.get("NAXIS", 0)) + 1)]


def celestial_wcs(header: fits.Header | WCS, path: str | os.PathLike | None = None) -> WCS:
    """The 2-D celestial (RA/Dec) WCS of an image, whatever its other axes.

    astropy's ``WCS(header).celestial`` keeps the two sky axes wherever they are and
    applies any ``PCi_j``/``CDi_j`` matrix or ``CROTA2``; ``pixel_shape`` is kept when
    the header gives ``NAXISn``.

    Parameters
    ----------
    header : astropy.io.fits.Header or astropy.wcs.WCS
        The image header (or a WCS already built from one).
    path : path-like, optional
        The file the header came from, named in errors.

    Raises
    ------
    InputError
        If the WCS is invalid or has no celestial pair of axes.
    """
    wcs = header if isinstance(header, WCS) else _full_wcs(header, path)
    celestial = wcs.celestial if wcs.has_celestial else None
    if celestial is None or celestial.naxis != 2:
        ctypes = _ctypes(header) if isinstance(header, fits.Header) else list(wcs.wcs.ctype)
        raise InputError(
            f"{_where(path)}no celestial (RA/Dec) WCS in the header (CTYPEs {ctypes})"
        )
    return celestial


def _celestial_axes(wcs: WCS) -> list[int]:
    """1-based numbers of the two celestial axes of a full WCS, in header order.

    The order of ``WCS.celestial``'s axes (usually RA, Dec).
    """
    return sorted([wcs.wcs.lng + 1, wcs.wcs.lat + 1])


def celestial_header(header: fits.Header, path: str | os.PathLike | None = None) -> fits.Header:
    """A copy of ``header`` reduced to its two celestial axes, numbered 1 and 2.

    Radio images carry degenerate FREQ and STOKES axes (in either order, or none);
    everything here works on the 2-D sky plane. Every keyword of the primary WCS that
    refers to another axis (``NAXIS3``, ``CTYPE4``, ``PC3_3``, ``PC1_4``, ``PV3_1``...) and
    every matrix keyword (``PCi_j``, ``CDi_j``, ``CROTAn``) is removed, then the celestial
    WCS is written back with astropy's ``to_header`` (a ``PCi_j`` matrix of axes 1 and 2
    where one is needed), so that ``WCS(celestial_header(h))`` has exactly two axes.
    Other keywords (BMAJ, BUNIT, RESTFRQ...) are kept.

    Raises
    ------
    InputError
        If the header has no celestial WCS.
    """
    wcs = _full_wcs(header, path)
    if not wcs.has_celestial:
        raise InputError(
            f"{_where(path)}no celestial (RA/Dec) WCS in the header (CTYPEs {_ctypes(header)})"
        )
    celestial = celestial_wcs(wcs, path)
    keep = _celestial_axes(wcs)
    sizes = [header.get(f"NAXIS{axis}") for axis in keep]
    renumber = keep != [1, 2]
    reduced = header.copy()
    for key in list(reduced.keys()):
        if not key:
            continue
        match = _AXIS_KEY.match(key)
        if match and (renumber or int(match.group(1)) not in keep):
            del reduced[key]
            continue
        if _MATRIX_KEY.match(key) or key == "WCSAXES":
            del reduced[key]
            continue
        match = _PARAM_KEY.match(key)
        if match and (renumber or int(match.group(1)) not in keep):
            del reduced[key]
    reduced["NAXIS"] = 2
    if renumber:
        after = "NAXIS"
        for axis, size in enumerate(sizes, start=1):
            if size is not None:
                reduced.set(f"NAXIS{axis}", size, after=after)
                after = f"NAXIS{axis}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        reduced.update(celestial.to_header())
    return reduced


def _pybdsf_ready(header: fits.Header) -> bool:
    """Whether PyBDSF reads ``header`` as it is: RA and Dec on axes 1 and 2 with CDELT and no
    matrix, and a FREQ axis 3 in Hz where there are more axes."""
    ctypes = [c.strip().upper() for c in _ctypes(header)]
    if len(ctypes) < 2 or not (ctypes[0].startswith("RA") and ctypes[1].startswith("DEC")):
        return False
    if "CDELT1" not in header or "CDELT2" not in header:
        return False
    if any(key and (_MATRIX_KEY.match(key) or key.startswith("CROTA")) for key in header.keys()):
        return False
    if len(ctypes) >= 3:
        unit = str(header.get("CUNIT3", "") or "").strip().upper()
        return ctypes[2].startswith("FREQ") and unit in ("", "HZ")
    return True


def pybdsf_header(header: fits.Header, path: str | os.PathLike | None = None) -> fits.Header:
    """A copy of ``header`` in the layout PyBDSF reads, with the same sky and frequency.

    PyBDSF takes the pixel size from ``CDELT1``/``CDELT2`` and the frequency from a FREQ
    axis: a CD matrix (AIPS, some CASA exports), STOKES before FREQ, a frequency given
    only in a keyword or in MHz would break it or be misread. Such a header becomes RA
    and Dec on axes 1 and 2 (``CDELTi`` the pixel scales, a ``PCi_j`` rotation only where
    there is one), FREQ in Hz on axis 3 and STOKES I on axis 4, for the same pixels.
    A header PyBDSF already reads is returned unchanged.

    Raises
    ------
    InputError
        If the header has no celestial WCS.
    """
    if _pybdsf_ready(header):
        return header.copy()
    freq_hz = image_frequency_hz(header, path)
    out = celestial_header(header, path)
    matrix = _pixel_matrix(out, path)
    scales = np.hypot(matrix[0], matrix[1])
    cdelt = np.array(
        [
            -scales[0] if matrix[0, 0] <= 0 else scales[0],
            -scales[1] if matrix[1, 1] < 0 else scales[1],
        ]
    )
    pc = matrix / cdelt[None, :]
    for key in list(out.keys()):
        if key and (_MATRIX_KEY.match(key) or key.startswith("CROTA") or key.startswith("CDELT")):
            del out[key]
    out["CDELT1"], out["CDELT2"] = float(cdelt[0]), float(cdelt[1])
    if not np.allclose(pc, np.eye(2), rtol=0, atol=1e-12):
        for i in range(2):
            for j in range(2):
                out[f"PC{i + 1}_{j + 1}"] = float(pc[i, j])
    if freq_hz is None:
        # Sky axes only: PyBDSF then needs its `frequency` option where it uses one.
        return out
    out["NAXIS"] = 4
    out.set("NAXIS3", 1, after="NAXIS2")
    out.set("NAXIS4", 1, after="NAXIS3")
    axes = {"CTYPE": ("FREQ", "STOKES"), "CRVAL": (freq_hz, 1.0), "CDELT": (1.0, 1.0)}
    axes |= {"CRPIX": (1.0, 1.0), "CUNIT": ("Hz", "")}
    for key, (freq_value, stokes_value) in axes.items():
        out[f"{key}3"] = freq_value
        if stokes_value != "":
            out[f"{key}4"] = stokes_value
    return out


def _pixel_matrix(header: fits.Header | WCS, path: str | os.PathLike | None) -> np.ndarray:
    """The 2x2 pixel-scale matrix (degrees per pixel) of the sky axes.

    ``pixel_scale_matrix`` of the celestial WCS (``CDELTi * PCi_j``, ``CDi_j``, or
    ``CROTA2`` turned into a matrix by wcslib). Without rotation or skew, the diagonal is
    taken from the header's ``CDELTn`` values themselves where it has them: wcslib parses
    the header's text, which may carry fewer digits than a header built in memory.
    """
    wcs = _full_wcs(header, path) if isinstance(header, fits.Header) else header
    celestial = celestial_wcs(wcs, path)
    matrix = np.array(celestial.pixel_scale_matrix, dtype=float)
    if isinstance(header, fits.Header) and matrix[0, 1] == 0 and matrix[1, 0] == 0:
        for i, axis in enumerate(_celestial_axes(wcs)):
            key = f"CDELT{axis}"
            if key in header and not celestial.wcs.has_cd():
                cdelt = _number(header, key, path)
                if math.isclose(abs(cdelt), abs(matrix[i, i]), rel_tol=1e-12):
                    matrix[i, i] = math.copysign(cdelt, matrix[i, i])
    return matrix


def pixel_scales_deg(
    header: fits.Header | WCS, path: str | os.PathLike | None = None
) -> tuple[float, float]:
    """Pixel sizes (degrees) along the two sky pixel axes, from the full matrix.

    As ``astropy.wcs.utils.proj_plane_pixel_scales`` of the celestial WCS: the column
    norms of ``CDi_j`` or of ``CDELTi * PCi_j``; ``|CDELTn|`` exactly for a header
    without rotation.
    """
    matrix = _pixel_matrix(header, path)
    sx, sy = (float(v) for v in np.sqrt((matrix**2).sum(axis=0)))
    for axis, value in enumerate((sx, sy), start=1):
        if not (value > 0 and math.isfinite(value)):
            raise InputError(
                f"{_where(path)}pixel size {value!r} deg along sky axis {axis}: "
                "check CDELTn, CDi_j, PCi_j"
            )
    return sx, sy


def pixel_scale_deg(header: fits.Header | WCS, path: str | os.PathLike | None = None) -> float:
    """One pixel size (degrees): the geometric mean of the two axes' (``|CDELT2|`` for SDC1)."""
    sx, sy = pixel_scales_deg(header, path)
    return sx if sx == sy else float(math.sqrt(sx * sy))


def pixel_scale_arcsec(header: fits.Header | WCS, path: str | os.PathLike | None = None) -> float:
    """:func:`pixel_scale_deg` in arcsec."""
    return pixel_scale_deg(header, path) * DEG_TO_ARCSEC


def pixel_area_deg2(header: fits.Header | WCS, path: str | os.PathLike | None = None) -> float:
    """Solid angle of one pixel (square degrees): ``|det|`` of the pixel-scale matrix.

    As ``astropy.wcs.utils.proj_plane_pixel_area``, but the 2x2 determinant is written
    out, so that it is ``|CDELT1 * CDELT2|`` exactly for a header without rotation.
    """
    (a, b), (c, d) = _pixel_matrix(header, path)
    area = abs(float(a * d - b * c))
    if not (area > 0 and math.isfinite(area)):
        raise InputError(f"{_where(path)}pixel area {area!r} deg2: check CDELTn, CDi_j, PCi_j")
    return area


def pixel_area_arcsec2(header: fits.Header | WCS, path: str | os.PathLike | None = None) -> float:
    """:func:`pixel_area_deg2` in square arcsec."""
    return pixel_area_deg2(header, path) * DEG_TO_ARCSEC**2


# --------------------------------------------------------------------------- frequency


def image_frequency(
    header: fits.Header, path: str | os.PathLike | None = None
) -> tuple[float, str] | None:
    """The frequency of an image in Hz and the keyword it came from, or None.

    The reference value (``CRVALn``) of the axis whose ``CTYPEn`` starts with FREQ,
    wherever that axis is, in its ``CUNITn`` (Hz, kHz, MHz or GHz, any case; Hz when
    absent); without one, the first of ``RESTFRQ``, ``RESTFREQ``, ``FREQ`` (Hz).

    Raises
    ------
    InputError
        Naming the keyword, if the unit is not a frequency unit or the value not a number.
    """
    naxis = max(int(header.get("NAXIS", 0) or 0), int(header.get("WCSAXES", 0) or 0))
    for i in range(1, naxis + 1):
        ctype = str(header.get(f"CTYPE{i}", "")).strip().upper()
        if ctype.startswith("FREQ") and f"CRVAL{i}" in header:
            unit = str(header.get(f"CUNIT{i}", "") or "").strip()
            factor = FREQ_UNITS.get(unit.upper() or "HZ")
            if factor is None:
                raise InputError(
                    f"{_where(path)}CUNIT{i} = {unit!r} is not a frequency unit "
                    f"({', '.join(('Hz', 'kHz', 'MHz', 'GHz'))})"
                )
            value = _number(header, f"CRVAL{i}", path)
            return (value if factor == 1.0 else value * factor), f"CRVAL{i}"
    for key in FREQ_KEYWORDS:
        if key in header:
            return _number(header, key, path), key
    return None


def image_frequency_hz(header: fits.Header, path: str | os.PathLike | None = None) -> float | None:
    """The frequency of an image in Hz (see :func:`image_frequency`), None if it gives none."""
    found = image_frequency(header, path)
    return None if found is None else found[0]


# --------------------------------------------------------------------------- restoring beam


def history_beam(header: fits.Header) -> Beam | None:
    """The beam of an AIPS ``CLEAN BMAJ=`` (or CASA ``restoration:``) HISTORY card, or None.

    AIPS keeps the restoring beam only there; radio-beam reads the last such card.
    """
    try:
        return Beam.from_fits_history(header)
    except (ValueError, IndexError, TypeError, u.UnitsError):
        return None


def beam_from_header(
    header: fits.Header, path: str | os.PathLike | None = None
) -> tuple[float, float, float]:
    """Return the restoring beam ``(BMAJ, BMIN, BPA)`` in degrees from a FITS header.

    SDC1 images carry BMAJ and BMIN but no BPA keyword; a missing BPA is taken
    to be 0. Without both BMAJ and BMIN, an AIPS ``HISTORY ... CLEAN BMAJ= ... BMIN=
    ... BPA= ...`` card is read instead; one of the two without the other is an error
    (a header that lost a keyword, not a circular beam).

    Parameters
    ----------
    header : astropy.io.fits.Header
        Image header with ``BMAJ`` and ``BMIN`` in degrees.
    path : path-like, optional
        The file the header came from, named in errors.

    Returns
    -------
    tuple of float
        ``(bmaj, bmin, bpa)`` in degrees, as PyBDSF's ``beam`` option expects.

    Raises
    ------
    InputError
        If the header gives no beam, only one of BMAJ and BMIN, or a beam keyword that
        is not a (positive, for BMAJ and BMIN) finite number.
    """
    missing = [key for key in ("BMAJ", "BMIN") if key not in header]
    if len(missing) == 2:
        beam = history_beam(header)
        if beam is None:
            raise InputError(
                f"{_where(path)}image header lacks BMAJ and BMIN (the restoring beam) "
                "and an AIPS CLEAN BMAJ= HISTORY card"
            )
        return (
            float(beam.major.to_value(u.deg)),
            float(beam.minor.to_value(u.deg)),
            float(beam.pa.to_value(u.deg)),
        )
    if missing:
        (key,) = missing
        other = "BMIN" if key == "BMAJ" else "BMAJ"
        raise InputError(
            f"{_where(path)}image header lacks {key} (the restoring beam): "
            f"{other} is given, {key} is missing"
        )
    bmaj = _number(header, "BMAJ", path)
    bmin = _number(header, "BMIN", path)
    bpa = _number(header, "BPA", path) if "BPA" in header else 0.0
    for key, value in (("BMAJ", bmaj), ("BMIN", bmin)):
        if not value > 0:
            raise InputError(f"{_where(path)}{key} = {value!r} is not a positive beam size")
    return bmaj, bmin, bpa


def restoring_beam(header: fits.Header, path: str | os.PathLike | None = None) -> Beam:
    """The restoring beam as a :class:`radio_beam.Beam` (elliptical, position angle BPA).

    Read with :func:`beam_from_header`; a header whose BMIN exceeds BMAJ describes the
    same ellipse as one with the axes swapped and BPA turned by 90 degrees, which is
    what is returned. Major and minor axes are in degrees.
    """
    bmaj, bmin, bpa = beam_from_header(header, path)
    if bmin > bmaj:
        bmaj, bmin, bpa = bmin, bmaj, bpa + 90.0
    return Beam(major=bmaj * u.deg, minor=bmin * u.deg, pa=bpa * u.deg, default_unit=u.deg)


def beam_arcsec_from_header(header: fits.Header, path: str | os.PathLike | None = None) -> float:
    """Restoring-beam FWHM in arcsec: geometric mean of BMAJ and BMIN (degrees)."""
    bmaj, bmin, _ = beam_from_header(header, path)
    return float(np.sqrt(bmaj * bmin) * DEG_TO_ARCSEC)


def pixels_per_beam(header: fits.Header, path: str | os.PathLike | None = None) -> float:
    """Beam area in pixels: the restoring beam's solid angle over one pixel's.

    ``pi / (4 ln 2) * BMAJ * BMIN / pixel area``, the area of
    :func:`restoring_beam` (``Beam.sr``) divided by :func:`pixel_area_deg2`; computed in
    square degrees so that it equals ``pi / (4 ln 2) * BMAJ * BMIN / |CDELT1 * CDELT2|``
    exactly for a header without a matrix.
    """
    beam = restoring_beam(header, path)
    bmaj = float(beam.major.to_value(u.deg))
    bmin = float(beam.minor.to_value(u.deg))
    return float(np.pi / (4.0 * np.log(2.0)) * bmaj * bmin / pixel_area_deg2(header, path))
