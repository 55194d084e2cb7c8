"""SDC1 image geometry: pixel sizes, restoring beams, cutouts of the 32768^2 grid.

All three SDC1 frequencies share one 32768 x 32768 SIN grid centred on RA 0, Dec -30
(reference pixel 16384, 1-based); the pixel size and the restoring beam scale as
1/frequency, so the beam is always about 2.48 pixels FWHM. A cutout is the same grid
with CRPIX shifted, so that world coordinates, and therefore ska-sdc scoring, are
unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

from sdc1.sky import wrap_ra

#: Side of the full SDC1 grid (pixels) and its 1-based reference pixel.
FULL_SIZE_PX: int = 32768
FULL_CRPIX: float = 16384.0

#: Field centre (degrees).
RA_CENTRE: float = 0.0
DEC_CENTRE: float = -30.0

#: Pixel size (degrees) at 560 MHz, read from the SDC1 B1 image header; other
#: frequencies scale as 1/frequency (0.604", 0.242", 0.0368").
CDELT_560_DEG: float = 1.67847e-4

#: Restoring beam FWHM (arcsec) at 560 MHz (SDC1 description, section 6.3); scales as 1/frequency.
BEAM_560_ARCSEC: float = 1.5

#: Total bandwidth (Hz) per frequency (30% fractional bandwidth, section 6.3).
BANDWIDTH_HZ: dict[int, float] = {560: 168e6, 1400: 420e6, 9200: 2760e6}

#: RMS noise (Jy/beam) of an 8 h image: a third of the deconvolution clip level (section 6.4).
RMS_8H_JY: dict[int, float] = {560: 8.6e-6 / 3.0, 1400: 2.1e-6 / 3.0, 9200: 1.3e-6 / 3.0}

#: Primary-beam FITS pixel (degrees) at 1400 MHz (PB_I_14: 0.03235 deg); scales as 1/frequency.
PB_CDELT_1400_DEG: float = 0.03235

#: SDC1 training areas (ska_sdc.sdc1.dc_defns.TRAIN_LIM), RA as negative degrees.
TRAIN_LIM: dict[int, dict[str, float]] = {
    9200: {"ra_min": -0.04092, "ra_max": 0.0, "dec_min": -29.9400, "dec_max": -29.9074},
    1400: {"ra_min": -0.2688, "ra_max": 0.0, "dec_min": -29.9400, "dec_max": -29.7265},
    560: {"ra_min": -0.6723, "ra_max": 0.0, "dec_min": -29.9400, "dec_max": -29.4061},
}

#: Cutout side (pixels) per preset and frequency: 'small' runs the whole DAG in minutes.
#: Its 560 and 1400 MHz cutouts cover the same 10.3' square of sky (pixels scale as
#: 1/frequency), so every source has a counterpart measurement at the other frequency;
#: covering that sky at 9200 MHz would take 17000^2 pixels, so 9200 MHz gets a 5' square
#: at the field's eastern edge, on its centre row: the part nearest the 9200 MHz primary
#: beam's centre (a few dozen detections, most with 560 and 1400 MHz counterparts).
PRESET_SIZES: dict[str, dict[int, int]] = {
    # A quarter of small's side: seconds per job, for smoke tests (the container's).
    "tiny": {560: 256, 1400: 640, 9200: 2048},
    "small": {560: 1024, 1400: 2560, 9200: 8192},
    "medium": {560: 4096, 1400: 4096, 9200: 4096},
    "full": {560: FULL_SIZE_PX, 1400: FULL_SIZE_PX, 9200: FULL_SIZE_PX},
}


@dataclass(frozen=True)
class Cutout:
    """A rectangular piece of the full SDC1 grid of one frequency.

    Attributes
    ----------
    freq : int
        Frequency in MHz.
    x0, y0 : int
        0-based full-grid pixel of the cutout's first pixel.
    nx, ny : int
        Cutout size in pixels.
    """

    freq: int
    x0: int
    y0: int
    nx: int
    ny: int

    @property
    def crpix(self) -> tuple[float, float]:
        """1-based CRPIX1, CRPIX2 of the cutout."""
        return FULL_CRPIX - self.x0, FULL_CRPIX - self.y0


def pixel_scale_deg(freq: int) -> float:
    """Pixel size in degrees at ``freq`` MHz."""
    return CDELT_560_DEG * 560.0 / freq


def beam_fwhm_arcsec(freq: int) -> float:
    """Restoring-beam FWHM in arcsec at ``freq`` MHz."""
    return BEAM_560_ARCSEC * 560.0 / freq


def noise_rms(freq: int, depth_h: float) -> float:
    """Thermal noise (Jy/beam) for an integration of ``depth_h`` hours (scales as 1/sqrt(t))."""
    return RMS_8H_JY[freq] * float(np.sqrt(8.0 / depth_h))


def _sin_header(
    shape_xy: tuple[int, int],
    crpix_xy: tuple[float, float],
    cdelt_deg: float,
    freq: int,
    bandwidth_hz: float,
) -> fits.Header:
    """A 4-axis (RA---SIN, DEC--SIN, FREQ, STOKES) float32 header on the SDC1 field centre."""
    header = fits.Header()
    header["SIMPLE"] = True
    header["BITPIX"] = -32
    header["NAXIS"] = 4
    header["NAXIS1"], header["NAXIS2"] = int(shape_xy[0]), int(shape_xy[1])
    header["NAXIS3"] = 1
    header["NAXIS4"] = 1
    header["EXTEND"] = True
    for axis, (crpix, cdelt, crval, ctype) in enumerate(
        [
            (crpix_xy[0], -cdelt_deg, RA_CENTRE, "RA---SIN"),
            (crpix_xy[1], cdelt_deg, DEC_CENTRE, "DEC--SIN"),
            (1.0, bandwidth_hz, freq * 1e6, "FREQ"),
            (1.0, 1.0, 1.0, "STOKES"),
        ],
        start=1,
    ):
        header[f"CRPIX{axis}"] = float(crpix)
        header[f"CDELT{axis}"] = cdelt
        header[f"CRVAL{axis}"] = crval
        header[f"CTYPE{axis}"] = ctype
    return header


def image_header(cutout: Cutout) -> fits.Header:
    """Return the 4-axis FITS header of an SDC1-like image cutout (Jy/beam, SIN, FREQ, STOKES)."""
    freq = cutout.freq
    header = _sin_header(
        (cutout.nx, cutout.ny), cutout.crpix, pixel_scale_deg(freq), freq, BANDWIDTH_HZ[freq]
    )
    header.set("BUNIT", "JY/BEAM", after="EXTEND")
    beam_deg = beam_fwhm_arcsec(freq) / 3600.0
    header["BMAJ"] = beam_deg
    header["BMIN"] = beam_deg
    header["EPOCH"] = 2000.0
    return header


def pb_header(cutout: Cutout, margin_px: int = 2) -> fits.Header:
    """Return the header of a coarse primary-beam image covering ``cutout`` (like
    PrimaryBeam_B1.fits).

    The PB grid has pixels of 0.03235 deg x 1400/freq, is centred on the field centre
    (a pixel lands exactly on RA 0, Dec -30) and extends ``margin_px`` PB pixels beyond
    the cutout on every side.
    """
    freq = cutout.freq
    pb_cdelt = PB_CDELT_1400_DEG * 1400.0 / freq
    ratio = pixel_scale_deg(freq) / pb_cdelt
    # Cutout corners in full-grid offsets from the centre pixel, in PB pixels.
    lo_x = (cutout.x0 - (FULL_CRPIX - 1)) * ratio
    hi_x = (cutout.x0 + cutout.nx - 1 - (FULL_CRPIX - 1)) * ratio
    lo_y = (cutout.y0 - (FULL_CRPIX - 1)) * ratio
    hi_y = (cutout.y0 + cutout.ny - 1 - (FULL_CRPIX - 1)) * ratio
    i0, i1 = int(np.floor(lo_x)) - margin_px, int(np.ceil(hi_x)) + margin_px
    j0, j1 = int(np.floor(lo_y)) - margin_px, int(np.ceil(hi_y)) + margin_px
    return _sin_header((i1 - i0 + 1, j1 - j0 + 1), (1 - i0, 1 - j0), pb_cdelt, freq, 1e6)


def training_area_pixels(freq: int) -> tuple[float, float, float, float]:
    """Return the training area of ``freq`` as 0-based full-grid pixel bounds
    (x_lo, x_hi, y_lo, y_hi)."""
    lim = TRAIN_LIM[freq]
    full = Cutout(freq, 0, 0, FULL_SIZE_PX, FULL_SIZE_PX)
    wcs = WCS(image_header(full)).celestial
    ra = np.array([lim["ra_min"], lim["ra_max"], lim["ra_min"], lim["ra_max"]]) % 360.0
    dec = np.array([lim["dec_min"], lim["dec_min"], lim["dec_max"], lim["dec_max"]])
    x, y = wcs.all_world2pix(ra, dec, 0)
    return float(x.min()), float(x.max()), float(y.min()), float(y.max())


def preset_cutout(freq: int, size_px: int) -> Cutout:
    """Return the square cutout of side ``size_px`` used by the synthetic dataset at ``freq``.

    The cutout's centre row lies on the training areas' southern edge (Dec -29.94), so
    about half of the cutout is training area (labels) and half scoring area. Its
    eastern edge sits on RA 0 (the training areas' common eastern edge) when the
    cutout is narrower on the sky than the widest (560 MHz) training area, otherwise
    it is centred on its training area in RA. All frequencies thereby share the sky
    around (RA 0, Dec -29.94), so the three cutouts overlap and counterparts exist at
    every frequency. ``size_px`` equal to 32768 gives the whole grid.
    """
    size_px = int(size_px)
    if size_px >= FULL_SIZE_PX:
        return Cutout(freq, 0, 0, FULL_SIZE_PX, FULL_SIZE_PX)
    x_lo, x_hi, y_lo, _ = training_area_pixels(freq)
    lo_560, hi_560, _, _ = training_area_pixels(560)
    if size_px <= (hi_560 - lo_560) * freq / 560.0:
        x0 = int(np.floor(x_lo))
    else:
        x0 = int(round(0.5 * (x_lo + x_hi) - size_px / 2))
    y0 = int(round(y_lo - size_px / 2))
    x0 = min(max(x0, 0), FULL_SIZE_PX - size_px)
    y0 = min(max(y0, 0), FULL_SIZE_PX - size_px)
    return Cutout(freq, x0, y0, size_px, size_px)


def cutout_sky_bounds(
    cutout: Cutout, margin_arcsec: float = 0.0
) -> tuple[float, float, float, float]:
    """Return (ra_min, ra_max, dec_min, dec_max) in degrees (RA wrapped to [-180, 180))
    enclosing ``cutout``.

    The box is grown by ``margin_arcsec`` on every side.
    """
    wcs = WCS(image_header(cutout)).celestial
    nx, ny = cutout.nx, cutout.ny
    edge = np.concatenate(
        [
            np.stack([np.linspace(-0.5, nx - 0.5, 64), np.full(64, -0.5)], 1),
            np.stack([np.linspace(-0.5, nx - 0.5, 64), np.full(64, ny - 0.5)], 1),
            np.stack([np.full(64, -0.5), np.linspace(-0.5, ny - 0.5, 64)], 1),
            np.stack([np.full(64, nx - 0.5), np.linspace(-0.5, ny - 0.5, 64)], 1),
        ]
    )
    ra, dec = wcs.all_pix2world(edge[:, 0], edge[:, 1], 0)
    ra = wrap_ra(ra)
    margin = margin_arcsec / 3600.0
    dec_min, dec_max = dec.min() - margin, dec.max() + margin
    cos_dec = np.cos(np.radians(max(abs(dec_min), abs(dec_max))))
    return ra.min() - margin / cos_dec, ra.max() + margin / cos_dec, dec_min, dec_max
