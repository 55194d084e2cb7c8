"""Render an SDC1-format catalogue onto an image grid, following the SDC1 recipe.

SDC1 description, sections 5-6: compact SFGs and steep-spectrum AGN are elliptical
Gaussians; flat-spectrum AGN are a point-like core plus a circular end-on lobe;
extended SFGs (size 3) are exponential discs (scale length 0.298 x b_maj, measured);
extended steep-spectrum AGN (size 1) are drawn here as a core, a centrally concentrated
double exponential and a faint pair of hotspots at +-0.4 LAS along the major axis (SDC1
used a library of real radio-galaxy images, which is not public). Optionally
:func:`emulate_deconvolution` reproduces SDC1's flux loss below its clip level. Every
source is attenuated by the primary beam at its core position and convolved with the
restoring beam; the image is in Jy/beam.

Every model is a sum of elliptical Gaussian *components* (an exponential disc is a
six-Gaussian mixture), so the convolution with the Gaussian restoring beam is exact
and analytic, and rendering is a vectorised sum of small postage stamps. Images of
any size are rendered in row strips into a (possibly memory-mapped) output array, by
several threads when asked; each strip is computed on its own, so the output is the
same for any number of threads.

Catalogue conventions (measured on the real SDC1 560 MHz cutout):

* RA < 0 means RA + 360;
* the major axis lies at angle -PA from the +x pixel axis (counter-clockwise positive),
  i.e. the position angle east of north is 90 - PA (mod 180);
* size 2: b_maj, b_min are Gaussian FWHM; size 3: disc sizes (rendered with scale
  length 0.298 x b_maj, b_min); size 1: largest angular size.
"""

from __future__ import annotations

import mmap
import os
from dataclasses import dataclass
from functools import partial
from multiprocessing.pool import ThreadPool
from typing import Callable

import numpy as np
import pandas as pd
from astropy.io import fits
from astropy.wcs import WCS
from scipy.ndimage import gaussian_filter1d

from sdc1.beam import beam_from_header, pixel_scale_arcsec, pixel_scale_deg
from sdc1.simulate.exact import exp_exact, exp_float32

FWHM_PER_SIGMA: float = 2.0 * np.sqrt(2.0 * np.log(2.0))

#: Six-Gaussian mixture of a unit-flux 2-D exponential profile exp(-r/h): amplitudes and
#: variances in units of h^2 (least-squares fit, profile error < 3% of the peak for r < 6h).
EXP_MIXTURE_AMP: tuple[float, ...] = (0.000615, 0.007931, 0.053189, 0.217637, 0.454331, 0.264881)
EXP_MIXTURE_VAR: tuple[float, ...] = (0.007246, 0.053288, 0.233271, 0.796941, 2.34308, 6.350751)

#: Exponential scale length of extended steep-spectrum AGN in units of their LAS (major
#: axis) and b_min (minor axis): SDC1's library radio galaxies are centrally concentrated.
AGN_SCALES: tuple[tuple[float, float], ...] = ((0.5, 0.05), (0.4, 0.2))

#: Exponential scale length of extended SFGs in units of the catalogue b_maj, b_min.
#: Measured on the real 560 MHz cutout: the discs are ~3x more compact than a scale length
#: of b_maj (best 0.25-0.3; 1.0 gave correlation 0.87, rms ratio 0.48; 0.298 gives 0.94,
#: 0.35). 0.298 = 1 / (2 x 1.678) is an exponential whose half-light radius is b_maj / 2.
SFG_DISC_SCALE: float = 0.298
#: Extra factor on the minor axis of extended SFGs (1 was best on the real cutout).
SFG_MINOR_SCALE: float = 1.0
#: Factor on the sizes of single-Gaussian (compact) sources (1 was best on the real cutout).
COMPACT_SCALE: float = 1.0

#: Hotspot/lobe pairs of extended steep-spectrum AGN: (fraction of the non-core flux,
#: offset from the centre along the major axis in LAS, Gaussian FWHM along it in LAS,
#: FWHM across it in b_min). On the real cutout most of SDC1's library AGN are centrally
#: concentrated: a pure double (lobes at +-0.3-0.4 LAS) gave correlation 0.61-0.82, so
#: only 10% of the flux goes to the hotspots (neutral to slightly better than none).
AGN_LOBES: tuple[tuple[float, float, float, float], ...] = ((0.1, 0.4, 0.2, 0.5),)

#: SDC1's deconvolution emulation (description section 6.4): sky-model brightness above a
#: clip level (3 x the 8 h noise) is restored with the clean beam, the part below it is
#: convolved with the dirty PSF. On the real 560 MHz cutout that part comes out at
#: BELOW_CLIP_GAIN of its value: faint compact peaks at ~0.88 x the rendered ones, bright
#: ones short by a constant ~0.11 x the clip. :func:`emulate_deconvolution` reproduces it.
DECONVOLUTION_CLIP_JY: dict[int, float] = {560: 8.6e-6, 1400: 2.1e-6, 9200: 1.3e-6}
BELOW_CLIP_GAIN: float = 0.89

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
        return cls(
            *(
                np.concatenate([getattr(p, f) for p in parts])
                for f in ("x", "y", "flux", "cxx", "cxy", "cyy")
            )
        )

    def __len__(self) -> int:
        return int(self.x.size)


def covariance(
    fwhm_major: np.ndarray, fwhm_minor: np.ndarray, theta_rad: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Covariance (cxx, cxy, cyy) of Gaussians with the given FWHMs, major axis at ``theta``
    from +x."""
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
    cxx, cxy, cyy = (
        np.broadcast_to(c, shape).astype(float) for c in covariance(fwhm_a, fwhm_b, theta)
    )
    return Components(
        x,
        np.broadcast_to(np.asarray(y, float), shape).copy(),
        np.broadcast_to(np.asarray(flux, float), shape).copy(),
        cxx,
        cxy,
        cyy,
    )


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
        SDC1 columns
        (``ra_core dec_core ra_cent dec_cent flux core_frac b_maj b_min pa size class``).
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
    parts.append(
        _gaussians(x[fs], y[fs], flux[fs] * (1 - core_frac[fs]), b_maj[fs], b_maj[fs], 0.0)
    )

    # Extended SFG: exponential disc, scale lengths b_maj, b_min.
    disc = (cls == 3) & (size == 3)
    for amp, var in zip(EXP_MIXTURE_AMP, EXP_MIXTURE_VAR):
        scale = np.sqrt(var) * FWHM_PER_SIGMA * SFG_DISC_SCALE
        parts.append(
            _gaussians(
                x[disc],
                y[disc],
                flux[disc] * amp / np.sum(EXP_MIXTURE_AMP),
                b_maj[disc] * scale,
                b_min[disc] * scale * SFG_MINOR_SCALE,
                theta[disc],
            )
        )

    # Extended steep-spectrum AGN: point-like core + a centrally concentrated elliptical
    # exponential (flux-weighted scales AGN_SCALES x LAS) whose centre puts the flux centroid at
    # the catalogue centroid.
    lobed = (cls == 1) & (size == 1)
    if lobed.any():
        xc, yc = wcs.all_world2pix(
            cat["ra_cent"].to_numpy(float)[lobed] % 360.0,
            cat["dec_cent"].to_numpy(float)[lobed],
            0,
        )
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
                parts.append(
                    _gaussians(
                        ex,
                        ey,
                        weight * f_ext * amp / np.sum(EXP_MIXTURE_AMP),
                        b_maj[lobed] * scale,
                        b_min[lobed] * scale,
                        th,
                    )
                )
        las, wid = b_maj[lobed], b_min[lobed]
        for weight, off, w_maj, w_min in AGN_LOBES:
            ox, oy = off * las * np.cos(th), off * las * np.sin(th)
            signs = (1.0,) if off == 0 else (1.0, -1.0)
            for sgn in signs:
                parts.append(
                    _gaussians(
                        ex + sgn * ox,
                        ey + sgn * oy,
                        weight * f_ext / len(signs),
                        w_maj * las,
                        np.minimum(w_min * wid, w_maj * las),
                        th,
                    )
                )

    # Everything else: one elliptical Gaussian with FWHM (b_maj, b_min).
    rest = ~(fs | disc | lobed)
    parts.append(
        _gaussians(
            x[rest],
            y[rest],
            flux[rest],
            b_maj[rest] * COMPACT_SCALE,
            b_min[rest] * COMPACT_SCALE,
            theta[rest],
        )
    )
    return Components.concat(parts)


def _stamp_half(comps: Components, beam_var: float) -> np.ndarray:
    """Half-size (pixels) of each component's untruncated stamp (STAMP_SIGMAS standard
    deviations)."""
    cxx, cyy = comps.cxx + beam_var, comps.cyy + beam_var
    return np.ceil(STAMP_SIGMAS * np.sqrt(np.maximum(cxx, cyy))).astype(np.int64)


@dataclass
class _Prepared:
    """Beam-convolved components ready for strip rendering (only those that reach the image).

    ``ixx, ixy, iyy`` are the inverse covariance, ``peak`` the peak value (Jy/beam),
    ``half`` the stamp half-size, ``x0, y0`` the rounded centre; ``small`` (sorted by
    ``y0``) are rendered in vectorised batches, ``big`` one by one.
    """

    x: np.ndarray
    y: np.ndarray
    x0: np.ndarray
    y0: np.ndarray
    peak: np.ndarray
    ixx: np.ndarray
    ixy: np.ndarray
    iyy: np.ndarray
    half: np.ndarray
    small: np.ndarray
    big: np.ndarray
    ny: int
    nx: int


def _prepare(
    comps: Components, ny: int, nx: int, beam_fwhm_px: float, min_peak: float
) -> _Prepared:
    beam_var = (beam_fwhm_px / FWHM_PER_SIGMA) ** 2
    cxx, cxy, cyy = comps.cxx + beam_var, comps.cxy, comps.cyy + beam_var
    det = cxx * cyy - cxy * cxy
    peak = comps.flux * beam_var / np.sqrt(det)  # flux x beam area / (2 pi sqrt(det))
    # Truncate each stamp where the component falls below min_peak (at most STAMP_SIGMAS).
    with np.errstate(divide="ignore", invalid="ignore"):
        reach = (
            np.sqrt(2.0 * np.log(np.abs(peak) / min_peak))
            if min_peak > 0
            else np.full(peak.shape, np.inf)
        )
    reach = np.minimum(np.nan_to_num(reach, nan=0.0), STAMP_SIGMAS)
    half = np.ceil(reach * np.sqrt(np.maximum(cxx, cyy))).astype(np.int64)
    x0, y0 = np.rint(comps.x).astype(np.int64), np.rint(comps.y).astype(np.int64)
    keep = (
        (np.abs(peak) > min_peak)
        & (peak != 0)
        & (x0 + half >= 0)
        & (x0 - half < nx)
        & (y0 + half >= 0)
        & (y0 - half < ny)
    )
    idx = np.nonzero(keep)[0]
    cxx, cxy, cyy, det = cxx[idx], cxy[idx], cyy[idx], det[idx]
    half = half[idx]
    y0s = y0[idx]
    is_big = half > BIG_STAMP_PX
    small = np.nonzero(~is_big)[0]
    small = small[np.argsort(y0s[small], kind="stable")]
    return _Prepared(
        x=comps.x[idx],
        y=comps.y[idx],
        x0=x0[idx],
        y0=y0s,
        peak=peak[idx],
        ixx=cyy / det,
        ixy=-cxy / det,
        iyy=cxx / det,
        half=half,
        small=small,
        big=np.nonzero(is_big)[0],
        ny=ny,
        nx=nx,
    )


def emulate_deconvolution(
    image: np.ndarray, clip: float, gain: float = BELOW_CLIP_GAIN
) -> np.ndarray:
    """Scale brightness below ``clip`` by ``gain`` (in place; returns ``image``).

    ``image`` is a noise-free model (Jy/beam); pixels above ``clip`` lose the constant
    ``(1 - gain) * clip``, so the map stays continuous and monotonic.
    """
    if gain == 1.0 or clip <= 0:
        return image
    loss = np.minimum(image, np.asarray(clip, dtype=image.dtype))
    loss *= np.asarray(1.0 - gain, dtype=image.dtype)
    image -= loss
    return image


def clip_level(freq_hz: float) -> float:
    """SDC1 deconvolution clip level (Jy/beam) of the SDC1 frequency nearest ``freq_hz``."""
    nearest = min(DECONVOLUTION_CLIP_JY, key=lambda f: abs(f * 1e6 - float(freq_hz)))
    return DECONVOLUTION_CLIP_JY[nearest]


def _render_strip(p: _Prepared, r0: int, r1: int, batch_pixels: int = 4_000_000) -> np.ndarray:
    """Sum of all components over rows [r0, r1) as a float32 (r1 - r0, nx) array.

    The result depends only on the components and (r0, r1): every component reaching
    these rows is evaluated here, in a fixed order. Stamps are added into a buffer
    padded by 2 BIG_STAMP_PX + 1 on every side, so no stamp pixel needs a bounds check.
    """
    nx, rows, pad = p.nx, r1 - r0, 2 * BIG_STAMP_PX + 1
    wide = nx + 2 * pad
    buf = np.zeros((rows + 2 * pad) * wide, dtype=np.float32)

    # Small stamps: vectorised in groups of equal half-size.
    ys = p.y0[p.small]
    lo, hi = np.searchsorted(ys, [r0 - BIG_STAMP_PX, r1 + BIG_STAMP_PX])
    members = p.small[lo:hi]
    members = members[
        (p.y0[members] + p.half[members] >= r0) & (p.y0[members] - p.half[members] < r1)
    ]
    hs = p.half[members]
    order = np.argsort(hs, kind="stable")
    members, hs = members[order], hs[order]
    for group in np.split(members, np.flatnonzero(np.diff(hs)) + 1):
        if group.size == 0:
            continue
        h = int(p.half[group[0]])
        width = 2 * h + 1
        per = int(max(1, batch_pixels // (width * width)))
        off = np.arange(-h, h + 1)
        for k in range(0, group.size, per):
            g = group[k : k + per]
            dx = ((p.x0[g] - p.x[g])[:, None] + off).astype(np.float32)  # (n, w)
            dy = ((p.y0[g] - p.y[g])[:, None] + off).astype(np.float32)  # (n, w)
            q = (np.float32(2.0) * dx[:, None, :]) * (
                dy[:, :, None] * p.ixy[g].astype(np.float32)[:, None, None]
            )
            q += (dx * dx * p.ixx[g].astype(np.float32)[:, None])[:, None, :]
            q += (dy * dy * p.iyy[g].astype(np.float32)[:, None])[:, :, None]
            q *= np.float32(-0.5)
            val = exp_float32(q, out=q)  # the same bits on every CPU (sdc1.simulate.exact)
            val *= p.peak[g].astype(np.float32)[:, None, None]
            base = (p.y0[g] - r0 + pad) * wide + (p.x0[g] + pad)
            if g.size >= width * width:  # many stamps: one scatter per stamp pixel
                for j in range(width):
                    for i in range(width):
                        np.add.at(buf, base + ((j - h) * wide + (i - h)), val[:, j, i])
            else:
                flat = base[:, None, None] + (off * wide)[None, :, None] + off[None, None, :]
                np.add.at(buf, flat.ravel(), val.ravel())

    # Big stamps: each evaluated on its window clipped to the strip.
    out = buf.reshape(rows + 2 * pad, wide)[pad : pad + rows, pad : pad + nx]
    big = p.big[(p.y0[p.big] + p.half[p.big] >= r0) & (p.y0[p.big] - p.half[p.big] < r1)]
    for i in big:
        h = int(p.half[i])
        xa, xb = max(int(p.x0[i]) - h, 0), min(int(p.x0[i]) + h + 1, nx)
        ya, yb = max(int(p.y0[i]) - h, r0), min(int(p.y0[i]) + h + 1, r1)
        if xa >= xb or ya >= yb:
            continue
        dx = (np.arange(xa, xb) - p.x[i]).astype(np.float32)[None, :]
        dy = (np.arange(ya, yb) - p.y[i]).astype(np.float32)[:, None]
        q = (
            np.float32(p.ixx[i]) * dx * dx
            + np.float32(2.0 * p.ixy[i]) * dx * dy
            + np.float32(p.iyy[i]) * dy * dy
        )
        out[ya - r0 : yb - r0, xa:xb] += np.float32(p.peak[i]) * exp_float32(np.float32(-0.5) * q)
    return out


@dataclass
class _Job:
    """What a strip worker needs (shared by the worker threads)."""

    prepared: _Prepared
    beam_fwhm_px: float
    noise_rms: float
    noise_seed: int
    strip_rows: int
    batch_pixels: int
    clip: float = 0.0
    clip_gain: float = 1.0
    target: np.ndarray | None = None


def _strip_worker(job: _Job, r0: int) -> int:
    p = job.prepared
    r1 = min(r0 + job.strip_rows, p.ny)
    strip = _render_strip(p, r0, r1, job.batch_pixels)
    emulate_deconvolution(strip, job.clip, job.clip_gain)
    if job.noise_rms > 0:
        strip += _noise_rows(job.noise_seed, r0, r1, p.nx, job.noise_rms, job.beam_fwhm_px)
    # In place: strips are disjoint rows, so threads never write the same pixel.
    assert job.target is not None
    job.target[r0:r1] += strip.astype(job.target.dtype, copy=False)
    if isinstance(job.target, np.memmap):
        _release_rows(job.target, r0, r1)
    return r0


def _release_rows(image: np.memmap, r0: int, r1: int) -> None:
    """Write rows [r0, r1) of a file-backed image to disk and drop them from this process's
    memory."""
    handle = getattr(image, "_mmap", None)
    if handle is None or not hasattr(handle, "madvise") or not image.flags.c_contiguous:
        return
    base = np.frombuffer(handle, dtype=np.uint8, count=1)
    origin = base.ctypes.data
    del base
    start = image[r0:r1].ctypes.data - origin
    stop = start + (r1 - r0) * image.shape[1] * image.itemsize
    page = mmap.PAGESIZE
    start, stop = (
        -(-start // page) * page,
        (stop // page) * page,
    )  # whole pages inside the rows only
    if stop > start:
        handle.flush(start, stop - start)
        handle.madvise(mmap.MADV_DONTNEED, start, stop - start)


def default_threads() -> int:
    """Worker threads for large renders: the CPUs this process may use (at most 8)."""
    try:
        return max(1, min(8, len(os.sched_getaffinity(0))))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, min(8, os.cpu_count() or 1))


def render_field(
    comps: Components,
    out: np.ndarray,
    beam_fwhm_px: float,
    *,
    noise_rms: float = 0.0,
    noise_seed: int = 0,
    strip_rows: int = 1024,
    min_peak: float = 0.0,
    threads: int | None = None,
    batch_pixels: int = 4_000_000,
    clip: float = 0.0,
    clip_gain: float = 1.0,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Add beam-convolved components (and optionally noise) to ``out`` in place, strip by strip.

    Each strip of ``strip_rows`` rows is computed from scratch (components reaching it
    and its noise rows), so the result is the same for any number of threads.
    Strips are rendered by threads of this one process (numpy's array work releases
    the GIL), not by forked processes: every forked worker would count the parent's
    resident memory in its own RSS, which Snakemake's benchmark sums over processes
    (16.0 GB against 6.1 GB PSS for a full 32768^2 field rendered with two workers).

    Parameters
    ----------
    comps : Components
        Intrinsic components (pixel coordinates of ``out``).
    out : numpy.ndarray
        2-D image (Jy/beam) to add to.
    beam_fwhm_px : float
        Restoring-beam FWHM in pixels (circular).
    noise_rms, noise_seed : float, int
        Beam-correlated noise as in :func:`add_noise` (none when ``noise_rms`` is 0).
    strip_rows : int
        Rows per strip (also the unit of work of a process).
    min_peak : float
        Components whose beam-convolved peak is below this (Jy/beam) are skipped and
        stamps are truncated where a component falls below it (0: exact, every stamp
        to STAMP_SIGMAS standard deviations). A small fraction of the noise keeps the
        total error far below the noise.
    threads : int, optional
        Worker threads (default :func:`default_threads`; 1 for a single strip).
    batch_pixels : int
        Stamp pixels evaluated at once (bounds temporary memory).
    clip, clip_gain : float
        :func:`emulate_deconvolution` of the noise-free sources (off by default).
    progress : callable, optional
        Called as ``progress(done, total)`` in this process after each finished strip
        (e.g. :func:`sdc1.logs.log_progress`).
    """
    ny, nx = out.shape
    prepared = _prepare(comps, ny, nx, beam_fwhm_px, float(min_peak))
    starts = list(range(0, ny, strip_rows))
    nthreads = default_threads() if threads is None else max(1, int(threads))
    nthreads = min(nthreads, len(starts))
    job = _Job(
        prepared,
        float(beam_fwhm_px),
        float(noise_rms),
        int(noise_seed),
        int(strip_rows),
        int(batch_pixels),
        float(clip),
        float(clip_gain),
    )
    job.target = out
    work = partial(_strip_worker, job)
    if nthreads == 1:
        for done, r0 in enumerate(starts, 1):
            work(r0)
            if progress is not None:
                progress(done, len(starts))
        return
    with ThreadPool(nthreads) as pool:
        for done, _ in enumerate(pool.imap_unordered(work, starts), 1):
            if progress is not None:
                progress(done, len(starts))


def render_components(
    comps: Components,
    out: np.ndarray,
    beam_fwhm_px: float,
    strip_rows: int = 1024,
    batch_pixels: int = 4_000_000,
    min_peak: float = 0.0,
    threads: int | None = 1,
) -> None:
    """Add beam-convolved components to ``out`` (2-D, Jy/beam) in place.

    See :func:`render_field` (this is it without noise; one thread by default).
    """
    render_field(
        comps,
        out,
        beam_fwhm_px,
        strip_rows=strip_rows,
        min_peak=min_peak,
        threads=threads,
        batch_pixels=batch_pixels,
    )


def pb_attenuation(cat: pd.DataFrame, pb_data: np.ndarray, pb_header: fits.Header) -> np.ndarray:
    """Primary-beam response at each catalogue source's core position."""
    from sdc1.simulate.primary_beam import pb_at

    return pb_at(
        cat["ra_core"].to_numpy(float), cat["dec_core"].to_numpy(float), pb_data, pb_header
    )


def beam_fwhm_px(header: fits.Header) -> float:
    """Restoring-beam FWHM in pixels: geometric mean of BMAJ and BMIN over the pixel size.

    Both read by :mod:`sdc1.beam` (the pixel size from the full pixel matrix; ``|CDELT2|``
    for the SDC1 images).
    """
    bmaj, bmin, _ = beam_from_header(header)
    return float(np.sqrt(bmaj * bmin) / pixel_scale_deg(header))


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
    pixel_arcsec = pixel_scale_arcsec(header)
    comps = catalogue_components(cat, wcs, pixel_arcsec, attenuation)
    render_components(comps, out, beam_fwhm_px(header), strip_rows=strip_rows)
    return out


def _white_rows(seed: int, rows: range, nx: int) -> np.ndarray:
    """White unit-variance noise for the given rows; row r (>= -2**20) depends only on
    (seed, r)."""
    return np.stack(
        [
            np.random.default_rng([seed, r + 2**20]).standard_normal(nx, dtype=np.float32)
            for r in rows
        ]
    )


def _noise_rows(
    seed: int, r0: int, r1: int, nx: int, rms: float, beam_fwhm_px: float
) -> np.ndarray:
    """Rows [r0, r1) of the beam-correlated noise field of (seed, rms, beam), float32."""
    sigma = beam_fwhm_px / FWHM_PER_SIGMA / np.sqrt(2.0)
    halo = int(np.ceil(5 * sigma)) + 1
    # Variance of unit white noise after a normalised 2-D Gaussian filter of width sigma
    # (discrete sum of the squared kernel, which matches 1 / (4 pi sigma^2) for sigma >~ 1).
    k = exp_exact(-0.5 * (np.arange(-halo, halo + 1) / sigma) ** 2)
    k /= k.sum()
    gain = rms / float(np.sum(k**2))
    w = _white_rows(seed, range(r0 - halo, r1 + halo), nx)
    w = gaussian_filter1d(w, sigma, axis=1, mode="wrap", truncate=halo / sigma, output=np.float32)
    w = gaussian_filter1d(
        w, sigma, axis=0, mode="constant", truncate=halo / sigma, output=np.float32
    )
    out = w[halo : halo + (r1 - r0)]
    out *= np.float32(gain)
    return out


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
    for r0 in range(0, ny, strip_rows):
        r1 = min(r0 + strip_rows, ny)
        out[r0:r1] += _noise_rows(seed, r0, r1, nx, rms, beam_fwhm_px).astype(
            out.dtype, copy=False
        )
