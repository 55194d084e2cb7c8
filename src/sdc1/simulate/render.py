"""Render an SDC1-format catalogue onto an image grid, following the SDC1 recipe.

SDC1 description, sections 5-6: compact SFGs and steep-spectrum AGN are elliptical
Gaussians; flat-spectrum AGN are a point-like core plus a circular end-on lobe;
extended SFGs (size 3) are exponential discs; extended steep-spectrum AGN (size 1)
are drawn here as a core plus two lobes along the major axis (SDC1 used a library of
real radio-galaxy images, which is not public). Every source is attenuated by the
primary beam at its core position and convolved with the restoring beam; the image
is in Jy/beam.

Every model is a sum of elliptical Gaussian *components* (an exponential disc is a
six-Gaussian mixture), so the convolution with the Gaussian restoring beam is exact
and analytic, and rendering is a vectorised sum of small postage stamps. Images of
any size are rendered in row strips into a (possibly memory-mapped) output array.

Catalogue conventions (measured on the real SDC1 560 MHz cutout):

* RA < 0 means RA + 360;
* the major axis lies at angle -PA from the +x pixel axis (counter-clockwise positive),
  i.e. the position angle east of north is 90 - PA (mod 180);
* size 2: b_maj, b_min are Gaussian FWHM; size 3: exponential scale lengths;
  size 1: largest angular size.
"""

from __future__ import annotations

from dataclasses import dataclass
import numpy as np
import pandas as pd
from astropy.io import fits
from astropy.wcs import WCS
from scipy.ndimage import gaussian_filter1d

FWHM_PER_SIGMA: float = 2.0 * np.sqrt(2.0 * np.log(2.0))

#: Six-Gaussian mixture of a unit-flux 2-D exponential profile exp(-r/h): amplitudes and
#: variances in units of h^2 (least-squares fit, profile error < 3% of the peak for r < 6h).
EXP_MIXTURE_AMP: tuple[float, ...] = (0.000615, 0.007931, 0.053189, 0.217637, 0.454331, 0.264881)
EXP_MIXTURE_VAR: tuple[float, ...] = (0.007246, 0.053288, 0.233271, 0.796941, 2.34308, 6.350751)

#: Exponential scale length of extended steep-spectrum AGN in units of their LAS (major
#: axis) and b_min (minor axis): SDC1's library radio galaxies are centrally concentrated.
AGN_SCALES: tuple[tuple[float, float], ...] = ((0.6, 0.04), (0.4, 0.2))

#: Stamps extend to this many standard deviations of the beam-convolved component.
STAMP_SIGMAS: float = 4.5

#: Components with a stamp half-size above this many pixels are added one by one.
BIG_STAMP_PX: int = 48


@dataclass
class Components:
    """Elliptical Gaussian components in pixel coordinates (0-based).

    Attributes
    ----------
    x, y : numpy.ndarray
        Centre pixel coordinates.
    flux : numpy.ndarray
        Integrated flux (Jy) after primary-beam attenuation.
    cxx, cxy, cyy : numpy.ndarray
        Intrinsic covariance (pixels^2), before the restoring beam.
    """

    x: np.ndarray
    y: np.ndarray
    flux: np.ndarray
    cxx: np.ndarray
    cxy: np.ndarray
    cyy: np.ndarray

    @classmethod
    def concat(cls, parts: list["Components"]) -> "Components":
        """Concatenate component lists."""
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("x", "y", "flux", "cxx", "cxy", "cyy")))

    def __len__(self) -> int:
        return int(self.x.size)


def covariance(fwhm_major: np.ndarray, fwhm_minor: np.ndarray, theta_rad: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Covariance (cxx, cxy, cyy) of Gaussians with the given FWHMs, major axis at ``theta`` from +x."""
    sa2 = (np.asarray(fwhm_major) / FWHM_PER_SIGMA) ** 2
    sb2 = (np.asarray(fwhm_minor) / FWHM_PER_SIGMA) ** 2
    c, s = np.cos(theta_rad), np.sin(theta_rad)
    return sa2 * c * c + sb2 * s * s, (sa2 - sb2) * c * s, sa2 * s * s + sb2 * c * c


def pixel_angle(pa_deg: np.ndarray) -> np.ndarray:
    """Angle (radians, from +x towards +y) of the major axis for SDC1 catalogue PA (degrees)."""
    return np.radians(-np.asarray(pa_deg, dtype=float))


def _gaussians(x, y, flux, fwhm_a, fwhm_b, theta) -> Components:
    x = np.asarray(x, dtype=float)
    shape = x.shape
    cxx, cxy, cyy = (np.broadcast_to(c, shape).astype(float) for c in covariance(fwhm_a, fwhm_b, theta))
    return Components(x, np.broadcast_to(np.asarray(y, float), shape).copy(),
                      np.broadcast_to(np.asarray(flux, float), shape).copy(), cxx, cxy, cyy)


def catalogue_components(
    cat: pd.DataFrame,
    wcs: WCS,
    pixel_arcsec: float,
    attenuation: np.ndarray | None = None,
) -> Components:
    """Turn an SDC1 catalogue into Gaussian components on the grid of ``wcs``.

    Parameters
    ----------
    cat : pandas.DataFrame
        SDC1 columns (``ra_core dec_core ra_cent dec_cent flux core_frac b_maj b_min pa size class``).
    wcs : astropy.wcs.WCS
        Celestial WCS of the image.
    pixel_arcsec : float
        Pixel size (arcsec).
    attenuation : numpy.ndarray, optional
        Factor applied to each source's flux (primary beam times any flux scale).

    Returns
    -------
    Components
        Intrinsic (not beam-convolved) components.
    """
    n = len(cat)
    gain = np.ones(n) if attenuation is None else np.asarray(attenuation, dtype=float)
    ra = cat["ra_core"].to_numpy(dtype=float) % 360.0
    dec = cat["dec_core"].to_numpy(dtype=float)
    x, y = wcs.all_world2pix(ra, dec, 0)
    flux = cat["flux"].to_numpy(dtype=float) * gain
    b_maj = np.nan_to_num(cat["b_maj"].to_numpy(dtype=float)) / pixel_arcsec
    b_min = np.nan_to_num(cat["b_min"].to_numpy(dtype=float)) / pixel_arcsec
    b_min = np.minimum(b_min, b_maj)
    theta = pixel_angle(cat["pa"].to_numpy(dtype=float))
    core_frac = np.clip(np.nan_to_num(cat["core_frac"].to_numpy(dtype=float)), 0.0, 1.0)
    cls = cat["class"].to_numpy()
    size = cat["size"].to_numpy()
    parts: list[Components] = []

    # Flat-spectrum AGN: point-like core + circular end-on lobe of FWHM b_maj.
    fs = cls == 2
    parts.append(_gaussians(x[fs], y[fs], flux[fs] * core_frac[fs], 0.0, 0.0, 0.0))
    parts.append(_gaussians(x[fs], y[fs], flux[fs] * (1 - core_frac[fs]), b_maj[fs], b_maj[fs], 0.0))

    # Extended SFG: exponential disc, scale lengths b_maj, b_min.
    disc = (cls == 3) & (size == 3)
    for amp, var in zip(EXP_MIXTURE_AMP, EXP_MIXTURE_VAR):
        scale = np.sqrt(var) * FWHM_PER_SIGMA
        parts.append(_gaussians(x[disc], y[disc], flux[disc] * amp / np.sum(EXP_MIXTURE_AMP),
                                b_maj[disc] * scale, b_min[disc] * scale, theta[disc]))

    # Extended steep-spectrum AGN: point-like core + a centrally concentrated elliptical
    # exponential (flux-weighted scales AGN_SCALES x LAS) whose centre puts the flux centroid at the
    # catalogue centroid.
    lobed = (cls == 1) & (size == 1)
    if lobed.any():
        xc, yc = wcs.all_world2pix(cat["ra_cent"].to_numpy(float)[lobed] % 360.0,
                                   cat["dec_cent"].to_numpy(float)[lobed], 0)
        xl, yl, th = x[lobed], y[lobed], theta[lobed]
        f_tot, f_core = flux[lobed], flux[lobed] * core_frac[lobed]
        f_ext = f_tot - f_core
        lever = np.divide(f_tot, f_ext, out=np.ones_like(f_tot), where=f_ext > 0)
        dx, dy = (xc - xl) * lever, (yc - yl) * lever
        shift = np.hypot(dx, dy)
        limit = 0.5 * b_maj[lobed]
        clip = np.divide(limit, shift, out=np.ones_like(shift), where=shift > limit)
        ex, ey = xl + dx * clip, yl + dy * clip
        parts.append(_gaussians(xl, yl, f_core, 0.0, 0.0, 0.0))
        for weight, k in AGN_SCALES:
            for amp, var in zip(EXP_MIXTURE_AMP, EXP_MIXTURE_VAR):
                scale = np.sqrt(var) * FWHM_PER_SIGMA * k
                parts.append(_gaussians(ex, ey, weight * f_ext * amp / np.sum(EXP_MIXTURE_AMP),
                                        b_maj[lobed] * scale, b_min[lobed] * scale, th))

    # Everything else: one elliptical Gaussian with FWHM (b_maj, b_min).
    rest = ~(fs | disc | lobed)
    parts.append(_gaussians(x[rest], y[rest], flux[rest], b_maj[rest], b_min[rest], theta[rest]))
    return Components.concat(parts)


def _stamp_half(comps: Components, beam_var: float) -> np.ndarray:
    """Half-size (pixels) of each component's stamp."""
    cxx, cyy = comps.cxx + beam_var, comps.cyy + beam_var
    return np.ceil(STAMP_SIGMAS * np.sqrt(np.maximum(cxx, cyy))).astype(np.int64)


def _evaluate(comps: Components, idx: np.ndarray, half: int, beam_var: float, beam_area: float,
              x_off: int, y_off: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stamp pixel positions (relative to an offset) and values in Jy/beam for components ``idx``."""
    cxx = comps.cxx[idx] + beam_var
    cxy = comps.cxy[idx]
    cyy = comps.cyy[idx] + beam_var
    det = cxx * cyy - cxy * cxy
    ixx, ixy, iyy = cyy / det, -cxy / det, cxx / det
    norm = comps.flux[idx] * beam_area / (2.0 * np.pi * np.sqrt(det))
    x0 = np.rint(comps.x[idx]).astype(np.int64)
    y0 = np.rint(comps.y[idx]).astype(np.int64)
    off = np.arange(-half, half + 1)
    px = x0[:, None, None] + off[None, None, :]
    py = y0[:, None, None] + off[None, :, None]
    dx = (px - comps.x[idx][:, None, None]).astype(np.float32)
    dy = (py - comps.y[idx][:, None, None]).astype(np.float32)
    q = (ixx[:, None, None] * dx * dx + 2.0 * ixy[:, None, None] * dx * dy + iyy[:, None, None] * dy * dy)
    val = norm[:, None, None].astype(np.float32) * np.exp(-0.5 * q)
    px, py = np.broadcast_arrays(px - x_off, py - y_off)
    return px, py, val


def _add_window(comps: Components, i: int, half: int, beam_var: float, beam_area: float, out: np.ndarray) -> None:
    """Add component ``i`` to ``out``, evaluating only the part of its stamp on the image."""
    ny, nx = out.shape
    xi, yi = int(np.rint(comps.x[i])), int(np.rint(comps.y[i]))
    x0, x1 = max(xi - half, 0), min(xi + half + 1, nx)
    y0, y1 = max(yi - half, 0), min(yi + half + 1, ny)
    if x0 >= x1 or y0 >= y1:
        return
    cxx, cxy, cyy = comps.cxx[i] + beam_var, comps.cxy[i], comps.cyy[i] + beam_var
    det = cxx * cyy - cxy * cxy
    dx = (np.arange(x0, x1) - comps.x[i])[None, :]
    dy = (np.arange(y0, y1) - comps.y[i])[:, None]
    q = (cyy * dx * dx - 2.0 * cxy * dx * dy + cxx * dy * dy) / det
    out[y0:y1, x0:x1] += (comps.flux[i] * beam_area / (2.0 * np.pi * np.sqrt(det)) * np.exp(-0.5 * q)).astype(out.dtype)


def render_components(
    comps: Components,
    out: np.ndarray,
    beam_fwhm_px: float,
    strip_rows: int = 1024,
    batch_pixels: int = 4_000_000,
) -> None:
    """Add beam-convolved components to ``out`` (2-D, Jy/beam) in place.

    Parameters
    ----------
    comps : Components
        Intrinsic components (pixel coordinates of ``out``).
    out : numpy.ndarray
        Image to add to (may be a memory-mapped array); components off the image are clipped.
    beam_fwhm_px : float
        Restoring-beam FWHM in pixels (circular).
    strip_rows : int
        Rows per strip: bounds the size of the temporary buffer (strip x width float64).
    batch_pixels : int
        Stamp pixels evaluated at once: bounds the temporary arrays.
    """
    ny, nx = out.shape
    beam_var = (beam_fwhm_px / FWHM_PER_SIGMA) ** 2
    beam_area = 2.0 * np.pi * beam_var
    half = _stamp_half(comps, beam_var)
    # Drop components whose stamp misses the image altogether.
    on = ((comps.x + half >= -0.5) & (comps.x - half <= nx - 0.5) & (comps.y + half >= -0.5)
          & (comps.y - half <= ny - 0.5) & (comps.flux != 0))
    big = on & (half > BIG_STAMP_PX)
    small = np.nonzero(on & ~big)[0]

    for i in np.nonzero(big)[0]:
        _add_window(comps, int(i), int(half[i]), beam_var, beam_area, out)

    if small.size == 0:
        return
    yc = np.rint(comps.y[small]).astype(np.int64)
    order = np.argsort(yc, kind="stable")
    small, yc = small[order], yc[order]
    for r0 in range(0, ny, strip_rows):
        r1 = min(r0 + strip_rows, ny)
        lo, hi = np.searchsorted(yc, [r0, r1])
        if lo == hi:
            continue
        members = small[lo:hi]
        b0, b1 = max(r0 - BIG_STAMP_PX, 0), min(r1 + BIG_STAMP_PX, ny)
        buffer = np.zeros((b1 - b0) * nx, dtype=np.float64)
        hs = half[members]
        for h in np.unique(hs):
            group = members[hs == h]
            per = int(max(1, batch_pixels // (2 * h + 1) ** 2))
            for k in range(0, group.size, per):
                px, py, val = _evaluate(comps, group[k:k + per], int(h), beam_var, beam_area, 0, b0)
                keep = (px >= 0) & (px < nx) & (py >= 0) & (py < b1 - b0)
                buffer += np.bincount((py[keep] * nx + px[keep]), weights=val[keep], minlength=buffer.size)
        out[b0:b1] += buffer.reshape(b1 - b0, nx).astype(out.dtype, copy=False)


def pb_attenuation(cat: pd.DataFrame, pb_data: np.ndarray, pb_header: fits.Header) -> np.ndarray:
    """Primary-beam response at each catalogue source's core position."""
    from sdc1.simulate.primary_beam import pb_at

    return pb_at(cat["ra_core"].to_numpy(float), cat["dec_core"].to_numpy(float), pb_data, pb_header)


def beam_fwhm_px(header: fits.Header) -> float:
    """Restoring-beam FWHM in pixels from BMAJ/BMIN (geometric mean) and CDELT2."""
    bmaj, bmin = float(header["BMAJ"]), float(header.get("BMIN", header["BMAJ"]))
    return float(np.sqrt(bmaj * bmin) / abs(float(header["CDELT2"])))


def render_catalogue(
    cat: pd.DataFrame,
    header: fits.Header,
    out: np.ndarray | None = None,
    attenuation: np.ndarray | None = None,
    strip_rows: int = 1024,
) -> np.ndarray:
    """Render a catalogue on the grid of ``header`` (noise-free, Jy/beam).

    Parameters
    ----------
    cat : pandas.DataFrame
        SDC1 catalogue (intrinsic fluxes).
    header : astropy.io.fits.Header
        Image header with a celestial WCS and BMAJ/BMIN (degrees).
    out : numpy.ndarray, optional
        2-D array to add into (e.g. a memory-mapped FITS plane); a new float32 zero
        image when omitted.
    attenuation : numpy.ndarray, optional
        Per-source flux factor, e.g. :func:`pb_attenuation` (1 when omitted).
    strip_rows : int
        Rows per rendering strip.

    Returns
    -------
    numpy.ndarray
        ``out`` with the sources added.
    """
    wcs = WCS(header).celestial
    ny, nx = int(header["NAXIS2"]), int(header["NAXIS1"])
    if out is None:
        out = np.zeros((ny, nx), dtype=np.float32)
    pixel_arcsec = abs(float(header["CDELT2"])) * 3600.0
    comps = catalogue_components(cat, wcs, pixel_arcsec, attenuation)
    render_components(comps, out, beam_fwhm_px(header), strip_rows=strip_rows)
    return out


def _white_rows(seed: int, rows: range, nx: int) -> np.ndarray:
    """White unit-variance noise for the given rows; row r (>= -2**20) depends only on (seed, r)."""
    return np.stack([np.random.default_rng([seed, r + 2**20]).standard_normal(nx, dtype=np.float32) for r in rows])


def add_noise(
    out: np.ndarray,
    rms: float,
    beam_fwhm_px: float,
    seed: int,
    strip_rows: int = 1024,
) -> None:
    """Add Gaussian noise of standard deviation ``rms`` correlated on the beam scale, in place.

    White noise is smoothed by a Gaussian of FWHM ``beam_fwhm_px / sqrt(2)`` so that its
    autocorrelation has the restoring beam's shape (noise in a synthesis image is
    correlated like the PSF). Each row's white noise depends only on (seed, row), so
    the result does not depend on ``strip_rows`` and images of any size are made strip
    by strip.
    """
    if rms <= 0:
        return
    ny, nx = out.shape
    sigma = beam_fwhm_px / FWHM_PER_SIGMA / np.sqrt(2.0)
    halo = int(np.ceil(5 * sigma)) + 1
    # Variance of unit white noise after a normalised 2-D Gaussian filter of width sigma
    # (discrete sum of the squared kernel, which matches 1 / (4 pi sigma^2) for sigma >~ 1).
    k = np.exp(-0.5 * (np.arange(-halo, halo + 1) / sigma) ** 2)
    k /= k.sum()
    gain = rms / float(np.sum(k ** 2))
    for r0 in range(0, ny, strip_rows):
        r1 = min(r0 + strip_rows, ny)
        w = _white_rows(seed, range(r0 - halo, r1 + halo), nx)
        w = gaussian_filter1d(w, sigma, axis=1, mode="wrap", truncate=halo / sigma)
        w = gaussian_filter1d(w, sigma, axis=0, mode="constant", truncate=halo / sigma)
        out[r0:r1] += (w[halo: halo + (r1 - r0)] * gain).astype(out.dtype, copy=False)

