"""PyBDSF source lists to SDC1 catalogues.

:func:`to_sdc1` converts a PyBDSF source list (and its Gaussian list) measured
on a primary-beam-corrected image into the 12 SDC1 columns, following the
physical conventions of the SDC1 truth catalogues:

- ``flux`` is PyBDSF's integrated flux (the image is already primary-beam
  corrected), in Jy.
- ``ra_core``/``dec_core`` is the position of the peak pixel, ``ra_cent``/
  ``dec_cent`` the flux centroid, in degrees within (-180, 180].
- ``b_maj``/``b_min`` are intrinsic (deconvolved) FWHM sizes in arcsec
  (``size`` = 2). Where PyBDSF cannot deconvolve (the source is unresolved along
  that axis) a floor is reported instead of zero: see :func:`deconvolved_sizes`.
- ``pa`` follows the SDC1 convention, ``90 - PA_PyBDSF`` modulo 180 (see
  :func:`sdc1_position_angle`).
- ``core_frac`` is the flux fraction of the component holding the peak for
  multi-component sources, 0 for single-component ones (see :func:`core_fraction`).

Measured quantities useful as classification or calibration features are kept
beside the SDC1 columns (``snr``, ``peak_flux``, ``n_gaussians``, raw sizes ...).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from astropy.io import fits

from sdc1.beam import beam_arcsec_from_header
from sdc1.io import SDC1_COLUMNS
from sdc1.morphology import add_morphology
from sdc1.reliability import reliability_cut
from sdc1.sky import wrap_ra

__all__ = [
    "FEATURE_COLUMNS",
    "core_fraction",
    "deconvolved_sizes",
    "pa_for_class",
    "peak_snr",
    "sdc1_position_angle",
    "to_sdc1",
    "wrap_ra",
]

#: Measured columns kept beside the SDC1 columns by :func:`to_sdc1`.
FEATURE_COLUMNS: tuple[str, ...] = (
    "snr",
    "reliability",
    "peak_flux",
    "e_peak_flux",
    "total_flux",
    "e_total_flux",
    "isl_total_flux",
    "isl_rms",
    "resid_isl_rms",
    "n_gaussians",
    "maj_raw",
    "min_raw",
    "pa_raw",
    "pa_error",
    "e_maj_raw",
    "e_min_raw",
    "e_ra_core",
    "e_dec_core",
    "e_ra_cent",
    "e_dec_cent",
    "dc_maj",
    "dc_min",
    "e_dc_maj",
    "e_dc_min",
    "resolved_maj",
    "resolved_min",
    "core_frac_meas",
    "s_code",
    "source_id",
    "isl_id",
    # sdc1.morphology: the quantities of the tag rules, and the tags.
    "max_separation_beams",
    "component_flux_ratio",
    "brightest_share",
    "centroid_offset_beams",
    "tags",
)

DEG_TO_ARCSEC = 3600.0

#: PA errors (deg) above which a measured PA scores less, on average, than the PA that
#: best fits an unknown truth (:func:`pa_for_class`): for star-forming galaxies, PA 0
#: (mean score 0.56), for AGN, PA 22.5 (0.81). ska-sdc's PA score (10 deg threshold,
#: angles folded by 45 deg) under Gaussian errors and uniform true PAs gives these limits;
#: tests/unit/test_catalogue.py simulates them again.
PA_ERROR_LIMITS: dict[str, tuple[float, float]] = {"sfg": (47.0, 0.0), "agn": (11.0, 22.5)}


def sdc1_position_angle(pa_bdsf_deg: np.ndarray | pd.Series) -> np.ndarray:
    """Convert PyBDSF position angles to the SDC1 convention.

    PyBDSF measures the major axis east of north; the SDC1 truth catalogues
    measure it from the other axis, so ``pa_sdc1 = (90 - pa_bdsf) mod 180``.

    Parameters
    ----------
    pa_bdsf_deg : array-like
        PyBDSF ``PA`` or ``DC_PA`` in degrees.

    Returns
    -------
    numpy.ndarray
        Position angles in [0, 180) degrees.
    """
    return np.mod(90.0 - np.asarray(pa_bdsf_deg, dtype=float), 180.0)


def pa_for_class(
    pa: np.ndarray | pd.Series, pa_error: np.ndarray | pd.Series, classes: np.ndarray | pd.Series
) -> np.ndarray:
    """Position angles in the truth's convention for each class, best guesses where unmeasured.

    The SDC1 truth gives star-forming galaxies (class 3) PAs in (-90, 90] and AGN
    PAs in [0, 360), and ska-sdc folds angles by 45 degrees before comparing
    them without wrapping: the same axis written in the other range loses most
    of its PA score. Each PA is written in its class's range. Where its error
    exceeds :data:`PA_ERROR_LIMITS`, the PA that best fits an unknown true PA is
    written instead.

    Parameters
    ----------
    pa : array-like
        Measured position angles (any range, degrees; axes, so modulo 180).
    pa_error : array-like
        Their errors in degrees (PyBDSF ``E_PA``); NaN counts as unmeasured.
    classes : array-like
        Classes (1, 2 AGN; 3 star-forming galaxy).
    """
    pa = np.mod(np.asarray(pa, dtype=float), 180.0)
    error = np.nan_to_num(np.asarray(pa_error, dtype=float), nan=np.inf)
    sfg = np.asarray(classes) == 3
    sfg_limit, sfg_guess = PA_ERROR_LIMITS["sfg"]
    agn_limit, agn_guess = PA_ERROR_LIMITS["agn"]
    out = np.where(sfg & (pa > 90.0), pa - 180.0, pa)
    out = np.where(sfg & (error > sfg_limit), sfg_guess, out)
    return np.where(~sfg & (error > agn_limit), agn_guess, out)


def deconvolved_sizes(
    dc_maj_arcsec: np.ndarray | pd.Series,
    dc_min_arcsec: np.ndarray | pd.Series,
    beam_arcsec: float,
    *,
    unresolved_frac: float = 0.1,
    min_axis_ratio: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Intrinsic FWHM sizes with a floor for unresolved axes.

    PyBDSF reports a deconvolved axis of 0 when the fitted Gaussian is not
    larger than the beam along it. Zero is not a defensible size (ska-sdc
    divides by it), so such an axis gets ``unresolved_frac * beam_arcsec``: a
    size well below the resolution, of the order of the faint sources' typical
    intrinsic size. The major axis is never smaller than the minor.

    Parameters
    ----------
    dc_maj_arcsec, dc_min_arcsec : array-like
        PyBDSF ``DC_Maj`` and ``DC_Min`` in arcsec.
    beam_arcsec : float
        Restoring-beam FWHM in arcsec (geometric mean of BMAJ and BMIN).
    unresolved_frac : float, optional
        Floor as a fraction of the beam FWHM.
    min_axis_ratio : float, optional
        Lower bound on ``b_min / b_maj`` (0 leaves the minor axis alone).

    Returns
    -------
    b_maj, b_min : numpy.ndarray
        Sizes in arcsec, both positive, ``b_maj >= b_min``.
    """
    floor = unresolved_frac * beam_arcsec
    b_maj = np.maximum(np.nan_to_num(np.asarray(dc_maj_arcsec, dtype=float)), floor)
    b_min = np.maximum(np.nan_to_num(np.asarray(dc_min_arcsec, dtype=float)), floor)
    b_min = np.maximum(b_min, min_axis_ratio * b_maj)
    b_maj = np.maximum(b_maj, b_min)
    return b_maj, b_min


def core_fraction(
    sources: pd.DataFrame,
    gaussians: pd.DataFrame,
) -> np.ndarray:
    """Flux fraction of the brightest-peak Gaussian of each source.

    Parameters
    ----------
    sources : pandas.DataFrame
        PyBDSF source list with ``Source_id`` and ``Total_flux``.
    gaussians : pandas.DataFrame
        PyBDSF Gaussian list with ``Source_id``, ``Peak_flux`` and ``Total_flux``.

    Returns
    -------
    numpy.ndarray
        For each source, the integrated flux of the Gaussian with the highest
        peak divided by the source's total flux, clipped to [0, 1]; 0 for
        sources made of a single Gaussian (or with no Gaussian listed).
    """
    if len(sources) == 0:
        return np.zeros(0)
    if len(gaussians) == 0:
        return np.zeros(len(sources))
    counts = gaussians.groupby("Source_id").size()
    brightest = gaussians.sort_values("Peak_flux", ascending=False).drop_duplicates("Source_id")
    core_flux = brightest.set_index("Source_id")["Total_flux"]
    ids = sources["Source_id"]
    n = ids.map(counts).fillna(0).to_numpy()
    frac = ids.map(core_flux).to_numpy(dtype=float) / sources["Total_flux"].to_numpy(dtype=float)
    frac = np.clip(np.nan_to_num(frac), 0.0, 1.0)
    return np.where(n > 1, frac, 0.0)


def peak_snr(sources: pd.DataFrame) -> np.ndarray:
    """Peak signal-to-noise of PyBDSF sources: ``Peak_flux / Isl_rms`` (inf where rms is 0)."""
    if len(sources) == 0:
        return np.zeros(0)
    rms = sources["Isl_rms"].to_numpy(dtype=float)
    peak = sources["Peak_flux"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(rms > 0, peak / rms, np.inf)


def to_sdc1(
    sources: pd.DataFrame,
    gaussians: pd.DataFrame,
    header: fits.Header,
    *,
    negated: pd.DataFrame,
    snr_floor: float,
    match_value: float,
    unresolved_frac: float = 0.1,
    min_axis_ratio: float = 0.0,
    core_min_gaussians: int | None = None,
    default_class: int = 3,
    tags: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Convert PyBDSF lists into an SDC1 catalogue with measured feature columns.

    Parameters
    ----------
    sources : pandas.DataFrame
        PyBDSF source list as returned by :func:`sdc1.find_sources.find_sources`
        (PyBDSF column names, degrees, Jy), with ``n_gaussians``.
    gaussians : pandas.DataFrame
        The matching PyBDSF Gaussian list.
    header : astropy.io.fits.Header
        Header of the image the lists were measured on (for the beam).
    negated : pandas.DataFrame
        PyBDSF source list of the negated image (same background and
        thresholds): its detections are noise, and set each source's
        ``reliability`` (:func:`sdc1.reliability.reliability_cut`); where only
        some tiles' negated images were searched, each detection counts
        ``Area_weight`` times.
    snr_floor : float
        Detection floor in peak S/N (PyBDSF's ``thresh_pix``).
    match_value : float
        What a match earns in the SDC1 score (about 0.8; a false detection
        costs 1): a source is kept when its expected value is positive.
    unresolved_frac : float, optional
        Size floor for unresolved axes, as a fraction of the beam FWHM
        (see :func:`deconvolved_sizes`).
    min_axis_ratio : float, optional
        Lower bound on ``b_min / b_maj``.
    core_min_gaussians : int or None, optional
        Sources with at least this many Gaussians report their measured core
        fraction (``core_frac_meas``) as ``core_frac``; others report 0. None
        (the default) reports 0 for every source: about 95% of sources are
        star-forming galaxies with no core, and multi-Gaussian fits of them give
        spurious core fractions, so the measured value is better left to a
        classifier as a feature.
    default_class : int, optional
        Class reported for every source (3, star-forming galaxy) until a
        classifier fills it in.
    tags : mapping, optional
        Thresholds of the morphology tags (:class:`sdc1.morphology.TagThresholds`;
        its defaults where None), written by :func:`sdc1.morphology.add_morphology`.

    Returns
    -------
    pandas.DataFrame
        The SDC1 columns (:data:`sdc1.io.SDC1_COLUMNS`) followed by
        :data:`FEATURE_COLUMNS`, one row per kept source, ``id`` from 0.
    """
    columns = list(SDC1_COLUMNS) + list(FEATURE_COLUMNS)
    if len(sources) == 0:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in columns})
    beam = beam_arcsec_from_header(header)
    src = sources.reset_index(drop=True)
    rms = src["Isl_rms"].to_numpy(dtype=float)
    peak = src["Peak_flux"].to_numpy(dtype=float)
    snr = peak_snr(src)
    dc_maj = src["DC_Maj"].to_numpy(dtype=float) * DEG_TO_ARCSEC
    dc_min = src["DC_Min"].to_numpy(dtype=float) * DEG_TO_ARCSEC
    b_maj, b_min = deconvolved_sizes(
        dc_maj, dc_min, beam, unresolved_frac=unresolved_frac, min_axis_ratio=min_axis_ratio
    )
    resolved_maj = dc_maj > 0
    pa_bdsf = np.where(
        resolved_maj, src["DC_PA"].to_numpy(dtype=float), src["PA"].to_numpy(dtype=float)
    )
    core_meas = core_fraction(src, gaussians)
    n_gauss = (
        src["n_gaussians"].to_numpy(dtype=int)
        if "n_gaussians" in src
        else np.ones(len(src), dtype=int)
    )
    out = pd.DataFrame(
        {
            "id": np.arange(len(src)),
            "ra_core": wrap_ra(src["RA_max"]),
            "dec_core": src["DEC_max"].to_numpy(dtype=float),
            "ra_cent": wrap_ra(src["RA"]),
            "dec_cent": src["DEC"].to_numpy(dtype=float),
            "flux": src["Total_flux"].to_numpy(dtype=float),
            "core_frac": (
                np.zeros(len(src))
                if core_min_gaussians is None
                else np.where(n_gauss >= core_min_gaussians, core_meas, 0.0)
            ),
            "b_maj": b_maj,
            "b_min": b_min,
            "pa": pa_for_class(
                sdc1_position_angle(pa_bdsf), src["E_PA"].to_numpy(float), int(default_class)
            ),
            "size": np.full(len(src), 2, dtype=int),
            "class": np.full(len(src), int(default_class), dtype=int),
            "snr": snr,
            "peak_flux": peak,
            "e_peak_flux": src["E_Peak_flux"].to_numpy(dtype=float),
            "total_flux": src["Total_flux"].to_numpy(dtype=float),
            "e_total_flux": src["E_Total_flux"].to_numpy(dtype=float),
            "isl_total_flux": src["Isl_Total_flux"].to_numpy(dtype=float),
            "isl_rms": rms,
            "resid_isl_rms": src["Resid_Isl_rms"].to_numpy(dtype=float),
            "n_gaussians": n_gauss,
            "maj_raw": src["Maj"].to_numpy(dtype=float) * DEG_TO_ARCSEC,
            "min_raw": src["Min"].to_numpy(dtype=float) * DEG_TO_ARCSEC,
            "pa_raw": src["PA"].to_numpy(dtype=float),
            "pa_error": src["E_PA"].to_numpy(dtype=float),
            "e_maj_raw": src["E_Maj"].to_numpy(dtype=float) * DEG_TO_ARCSEC,
            "e_min_raw": src["E_Min"].to_numpy(dtype=float) * DEG_TO_ARCSEC,
            # PyBDSF's position errors are angles on the sky, in degrees.
            "e_ra_core": src["E_RA_max"].to_numpy(dtype=float) * DEG_TO_ARCSEC,
            "e_dec_core": src["E_DEC_max"].to_numpy(dtype=float) * DEG_TO_ARCSEC,
            "e_ra_cent": src["E_RA"].to_numpy(dtype=float) * DEG_TO_ARCSEC,
            "e_dec_cent": src["E_DEC"].to_numpy(dtype=float) * DEG_TO_ARCSEC,
            "dc_maj": dc_maj,
            "dc_min": dc_min,
            "e_dc_maj": src["E_DC_Maj"].to_numpy(dtype=float) * DEG_TO_ARCSEC,
            "e_dc_min": src["E_DC_Min"].to_numpy(dtype=float) * DEG_TO_ARCSEC,
            "resolved_maj": resolved_maj,
            "resolved_min": dc_min > 0,
            "core_frac_meas": core_meas,
            "s_code": src["S_Code"].astype(str).to_numpy(),
            "source_id": src["Source_id"].to_numpy(dtype=int),
            "isl_id": src["Isl_id"].to_numpy(dtype=int),
        }
    )
    cut = reliability_cut(
        snr,
        peak_snr(negated),
        floor=snr_floor,
        match_value=match_value,
        negated_weights=negated["Area_weight"] if "Area_weight" in negated else None,
    )
    out.insert(out.columns.get_loc("snr") + 1, "reliability", cut.reliability)
    out = out.loc[cut.keep].reset_index(drop=True)
    out["id"] = np.arange(len(out))
    out = add_morphology(out, gaussians, beam, tags)
    return out[columns]
