"""Cross-frequency feature table: each source's own measurements plus its counterparts'.

Source IDs are not known in a measured catalogue, so counterparts are found on the
sky: a source at frequency ``f`` and its nearest neighbour at frequency ``g``
within a radius set by the two beams. A counterpart is only looked for where the
source lies inside the other image's footprint; elsewhere the cross-frequency
features are missing (NaN), not zero, so the classifier can tell "no counterpart
because undetected" from "no counterpart because not observed".
"""

from __future__ import annotations

import os
from typing import Sequence

import numpy as np
import pandas as pd
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.wcs import WCS

from sdc1.beam import beam_from_header, celestial_header

#: Forced photometry is done at this multiple of the larger of two restoring beams.
COMMON_BEAM_FACTOR: float = 1.25

#: Default of ``config.features.forced_max_beam_ratio``: forced photometry only between images
#: whose restoring beams differ by at most this factor.
FORCED_MAX_BEAM_RATIO: float = 4.0

#: Cross-frequency feature names (each suffixed with ``_<other frequency>``).
CROSS_FEATURES: tuple[str, ...] = (
    "observed",
    "has_match",
    "n_match",
    "alpha",
    "alpha_err",
    "flux_ratio",
    "size_ratio",
    "axis_ratio_ratio",
    "forced_flux",
    "forced_ratio",
    "forced_alpha",
    "peak_to_total",
    "dc_maj",
    "n_gaussians",
)

#: The counterpart's own measurements among :data:`CROSS_FEATURES`: its compactness at its
#: own resolution (peak over integrated flux, deconvolved major axis, Gaussian count).
COUNTERPART_MEASUREMENTS: tuple[str, ...] = ("peak_to_total", "dc_maj", "n_gaussians")

#: Each source's own measurements used as features (columns of the catalogue).
OWN_FEATURES: tuple[str, ...] = (
    "log_flux",
    "log_peak_flux",
    "snr",
    "peak_to_total",
    "b_maj",
    "b_min",
    "axis_ratio",
    "core_frac",
    "n_gaussians",
    "log_maj_raw",
    "dc_maj",
)


def own_features(catalogue: pd.DataFrame) -> pd.DataFrame:
    """Derive the single-frequency features of a measured catalogue.

    Parameters
    ----------
    catalogue : pandas.DataFrame
        A catalogue from :func:`sdc1.catalogue.to_sdc1` (SDC1 columns plus the
        measured extras ``snr``, ``peak_flux``, ``n_gaussians``, ``maj_raw``, ``dc_maj``).

    Returns
    -------
    pandas.DataFrame
        One row per source, the columns of :data:`OWN_FEATURES`.
    """
    flux = catalogue["flux"].to_numpy(float)
    peak = catalogue["peak_flux"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        table = pd.DataFrame(
            {
                "log_flux": np.log10(flux),
                "log_peak_flux": np.log10(peak),
                "snr": catalogue["snr"].to_numpy(float),
                "peak_to_total": peak / flux,
                "b_maj": catalogue["b_maj"].to_numpy(float),
                "b_min": catalogue["b_min"].to_numpy(float),
                "axis_ratio": catalogue["b_min"].to_numpy(float)
                / catalogue["b_maj"].to_numpy(float),
                "core_frac": catalogue["core_frac"].to_numpy(float),
                "n_gaussians": catalogue["n_gaussians"].to_numpy(float),
                "log_maj_raw": np.log10(catalogue["maj_raw"].to_numpy(float)),
                "dc_maj": catalogue["dc_maj"].to_numpy(float),
            },
            index=catalogue.index,
        )
    return table.replace([np.inf, -np.inf], np.nan)


def on_pixel_grid(
    x: np.ndarray, y: np.ndarray, nx: int, ny: int, margin_px: float = 0.0
) -> np.ndarray:
    """True where 0-based pixel coordinates fall on an ``nx`` x ``ny`` grid.

    A pixel covers its centre +- 0.5, edges included; ``margin_px`` shrinks the grid
    on every side. The one definition of "on the image" (features and figures).
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    return (
        np.isfinite(x)
        & (x >= -0.5 + margin_px)
        & (x <= nx - 0.5 - margin_px)
        & (y >= -0.5 + margin_px)
        & (y <= ny - 0.5 - margin_px)
    )


def inside_footprint(
    ra_deg: np.ndarray, dec_deg: np.ndarray, header: fits.Header, margin_px: float = 0.0
) -> np.ndarray:
    """True where sky positions fall on the pixel grid of ``header`` (``margin_px`` inside)."""
    wcs = WCS(celestial_header(header))
    nx, ny = wcs.pixel_shape
    x, y = wcs.world_to_pixel_values(np.asarray(ra_deg, float), np.asarray(dec_deg, float))
    return on_pixel_grid(x, y, nx, ny, margin_px)


def match_counterparts(
    source: pd.DataFrame, other: pd.DataFrame, radius_arcsec: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest counterpart of each ``source`` row in ``other`` within ``radius_arcsec``.

    Returns
    -------
    index : numpy.ndarray
        Positional index into ``other`` of the nearest counterpart, -1 where none.
    separation : numpy.ndarray
        Separation in arcsec (NaN where none).
    n_within : numpy.ndarray
        Number of ``other`` sources within the radius: more than one is an
        ambiguous match, resolved here by taking the nearest.
    """
    n = len(source)
    index = np.full(n, -1, dtype=int)
    separation = np.full(n, np.nan)
    n_within = np.zeros(n, dtype=int)
    if n == 0 or len(other) == 0:
        return index, separation, n_within
    a = SkyCoord(
        source["ra_core"].to_numpy(float) * u.deg, source["dec_core"].to_numpy(float) * u.deg
    )
    b = SkyCoord(
        other["ra_core"].to_numpy(float) * u.deg, other["dec_core"].to_numpy(float) * u.deg
    )
    nearest, sep, _ = a.match_to_catalog_sky(b)
    sep_arcsec = sep.to_value(u.arcsec)
    hit = sep_arcsec <= radius_arcsec
    index[hit] = nearest[hit]
    separation[hit] = sep_arcsec[hit]
    idx_a, _, _, _ = b.search_around_sky(a, radius_arcsec * u.arcsec)
    n_within = np.bincount(idx_a, minlength=n)
    return index, separation, n_within


def spectral_index(
    flux_a: np.ndarray,
    flux_b: np.ndarray,
    freq_a: float,
    freq_b: float,
    err_a: np.ndarray | None = None,
    err_b: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Spectral index ``alpha`` (S ~ nu^alpha) between two frequencies, and its error."""
    log_ratio = np.log(freq_b / freq_a)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = np.log(np.asarray(flux_b, float) / np.asarray(flux_a, float)) / log_ratio
        if err_a is None or err_b is None:
            error = np.full_like(alpha, np.nan)
        else:
            error = np.hypot(np.asarray(err_a) / flux_a, np.asarray(err_b) / flux_b) / abs(
                log_ratio
            )
    return alpha, error


def cross_frequency_features(
    source: pd.DataFrame,
    freq: int,
    other: pd.DataFrame,
    other_freq: int,
    other_header: fits.Header,
    radius_arcsec: float,
) -> pd.DataFrame:
    """Features of each ``source`` row from its counterpart at ``other_freq``.

    Columns (suffix ``_<other_freq>``): ``observed`` (inside the other image),
    ``has_match``, ``n_match`` (candidates within the radius), ``alpha`` and
    ``alpha_err`` (spectral index), ``flux_ratio``, ``size_ratio``,
    ``axis_ratio_ratio``, and the counterpart's compactness at its own resolution
    (:data:`COUNTERPART_MEASUREMENTS`): a flat-spectrum AGN stays unresolved in the
    sharper image, where a star-forming galaxy of the same flux is resolved. Unobserved
    sources get NaN everywhere but ``observed``; observed but unmatched ones get
    ``has_match = 0`` and NaN ratios.
    """
    tag = f"_{other_freq}"
    observed = inside_footprint(source["ra_core"], source["dec_core"], other_header)
    index, _, n_within = match_counterparts(source, other, radius_arcsec)
    matched = index >= 0
    out = pd.DataFrame(index=source.index)
    out["observed" + tag] = observed.astype(float)
    out["has_match" + tag] = np.where(observed, matched.astype(float), np.nan)
    out["n_match" + tag] = np.where(observed, n_within.astype(float), np.nan)
    for name in CROSS_FEATURES[3:]:
        out[name + tag] = np.nan
    if matched.any():
        rows = np.flatnonzero(matched)
        own = source.iloc[rows]
        cp = other.iloc[index[rows]]
        alpha, alpha_err = spectral_index(
            own["flux"].to_numpy(float),
            cp["flux"].to_numpy(float),
            freq,
            other_freq,
            own.get("e_total_flux"),
            cp.get("e_total_flux"),
        )
        labels = source.index[rows]
        out.loc[labels, "alpha" + tag] = alpha
        out.loc[labels, "alpha_err" + tag] = alpha_err
        out.loc[labels, "flux_ratio" + tag] = cp["flux"].to_numpy(float) / own["flux"].to_numpy(
            float
        )
        out.loc[labels, "size_ratio" + tag] = cp["b_maj"].to_numpy(float) / own["b_maj"].to_numpy(
            float
        )
        out.loc[labels, "axis_ratio_ratio" + tag] = (cp["b_min"] / cp["b_maj"]).to_numpy(float) / (
            own["b_min"] / own["b_maj"]
        ).to_numpy(float)
        measured = own_features(cp)
        for name in COUNTERPART_MEASUREMENTS:
            out.loc[labels, name + tag] = measured[name].to_numpy(float)
    return out


def forced_features(
    own: np.ndarray, other: np.ndarray, freq: int, other_freq: int, index: pd.Index
) -> pd.DataFrame:
    """Features of beam-matched forced photometry of sources in their own and another image.

    ``own`` and ``other`` are the readings (Jy per common beam,
    :func:`sdc1.photometry.beam_matched_brightness`) at the sources' positions.
    Columns (suffix ``_<other_freq>``): ``forced_flux`` (the other image's
    reading, NaN off it), ``forced_ratio`` (other / own reading) and
    ``forced_alpha`` (the spectral index of the two readings, NaN unless both are
    positive). Unlike ``alpha``, these exist whether or not the other image
    detected the source: a faint reading is an upper limit.
    """
    tag = f"_{other_freq}"
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = other / own
        alpha = np.where(
            (own > 0) & (other > 0), np.log(ratio) / np.log(other_freq / freq), np.nan
        )
    ratio = np.where(own > 0, ratio, np.nan)
    return pd.DataFrame(
        {"forced_flux" + tag: other, "forced_ratio" + tag: ratio, "forced_alpha" + tag: alpha},
        index=index,
    )


def common_beam_arcsec(header_a: fits.Header, header_b: fits.Header) -> float:
    """Resolution of forced photometry: 1.25 times the larger restoring beam.

    Slightly larger than the larger beam, so that both images are smoothed by a
    kernel that their pixels sample well.
    """
    return COMMON_BEAM_FACTOR * _larger_beam_major_deg(header_a, header_b) * 3600.0


def match_radius_arcsec(
    header_a: fits.Header, header_b: fits.Header, radius_beams: float
) -> float:
    """Cross-match radius: ``radius_beams`` times the larger of the two restoring beams."""
    return radius_beams * (_larger_beam_major_deg(header_a, header_b) * 3600.0)


def beam_ratio(header_a: fits.Header, header_b: fits.Header) -> float:
    """The larger of two restoring beams' major axes over the smaller one's."""
    majors = beam_from_header(header_a)[0], beam_from_header(header_b)[0]
    return max(majors) / min(majors)


def _larger_beam_major_deg(header_a: fits.Header, header_b: fits.Header) -> float:
    """The larger of two restoring beams' major axes (degrees), read by
    :func:`sdc1.beam.beam_from_header`.

    The major axis, not the geometric mean: a circular common beam must contain both
    (elliptical) beams for the smoothing kernels to exist.
    """
    return max(*beam_from_header(header_a)[:2], *beam_from_header(header_b)[:2])


def build_feature_table(
    catalogues: dict[int, pd.DataFrame],
    headers: dict[int, fits.Header],
    radius_beams: float = 0.5,
    images: dict[int, str | os.PathLike] | None = None,
    forced_max_beam_ratio: float = FORCED_MAX_BEAM_RATIO,
) -> pd.DataFrame:
    """One row per source per frequency: own features and each other frequency's counterpart's.

    Parameters
    ----------
    catalogues : dict
        Frequency (MHz) -> measured catalogue of that frequency.
    headers : dict
        Frequency -> header of the image the catalogue was measured on (footprints, beams).
    radius_beams : float
        Cross-match radius in units of the larger restoring beam of each pair.
    images : dict, optional
        Frequency -> path of the image the catalogue was measured on. With them,
        every source also gets forced photometry in every other image
        (:func:`forced_features`); without, those columns are missing (NaN).
    forced_max_beam_ratio : float
        Forced photometry only between images whose restoring beams differ by at
        most this factor (:func:`beam_ratio`); other pairs get missing forced
        columns. Smoothed to the 560 MHz beam, the 9200 MHz image's noise per beam
        grows about twentyfold and its readings of faint sources are noise.

    Returns
    -------
    pandas.DataFrame
        Columns ``freq``, ``id`` (the catalogue's source id), ``ra_core``,
        ``dec_core``, the own features, and for every frequency of
        (560, 1400, 9200) other than the row's own the cross-frequency features
        (NaN where that frequency was not observed), so that every row has the
        same columns whatever the set of frequencies.
    """
    from sdc1.photometry import beam_matched_brightness

    all_freqs = (560, 1400, 9200)
    tables = []
    # (positions' frequency, image frequency, beam) -> readings: a source's own image
    # is read once per common beam, not once per other frequency.
    readings: dict[tuple[int, int, float], np.ndarray] = {}

    def reading(catalogue: pd.DataFrame, freq: int, image_freq: int, beam: float) -> np.ndarray:
        key = (freq, image_freq, beam)
        if key not in readings:
            readings[key] = beam_matched_brightness(
                images[image_freq],
                catalogue["ra_core"].to_numpy(float),
                catalogue["dec_core"].to_numpy(float),
                beam,
            )
        return readings[key]

    for freq, catalogue in sorted(catalogues.items()):
        catalogue = catalogue.reset_index(drop=True)
        parts = [
            pd.DataFrame(
                {
                    "freq": freq,
                    "id": catalogue["id"],
                    "ra_core": catalogue["ra_core"],
                    "dec_core": catalogue["dec_core"],
                }
            ),
            own_features(catalogue),
        ]
        for other_freq in all_freqs:
            if other_freq == freq:
                continue
            if other_freq in catalogues:
                radius = match_radius_arcsec(headers[freq], headers[other_freq], radius_beams)
                cross = cross_frequency_features(
                    catalogue,
                    freq,
                    catalogues[other_freq].reset_index(drop=True),
                    other_freq,
                    headers[other_freq],
                    radius,
                )
                if (
                    images is not None
                    and beam_ratio(headers[freq], headers[other_freq]) <= forced_max_beam_ratio
                ):
                    beam = common_beam_arcsec(headers[freq], headers[other_freq])
                    forced = forced_features(
                        reading(catalogue, freq, freq, beam),
                        reading(catalogue, freq, other_freq, beam),
                        freq,
                        other_freq,
                        catalogue.index,
                    )
                    cross[forced.columns] = forced
                parts.append(cross)
            else:
                parts.append(unobserved_features(len(catalogue), other_freq))
        tables.append(pd.concat(parts, axis=1))
    return pd.concat(tables, ignore_index=True)


def unobserved_features(n: int, other_freq: int) -> pd.DataFrame:
    """Cross-frequency features for a frequency without image: all missing but ``observed = 0``."""
    tag = f"_{other_freq}"
    out = pd.DataFrame({"observed" + tag: np.zeros(n)})
    for name in CROSS_FEATURES[1:]:
        out[name + tag] = np.nan
    return out


def feature_columns(table: pd.DataFrame, freq: int, feature_set: str) -> list[str]:
    """Columns a classifier of ``freq`` uses: ``single`` (own) or ``multi`` (own and cross)."""
    own = [c for c in OWN_FEATURES if c in table.columns]
    if feature_set == "single":
        return own
    if feature_set != "multi":
        raise ValueError(f"classifier.features: {feature_set!r} is neither 'single' nor 'multi'")
    others = [f for f in (560, 1400, 9200) if f != freq]
    cross = [c for c in table.columns if any(c.endswith(f"_{f}") for f in others)]
    return own + cross


def counterpart_summary(table: pd.DataFrame, freqs: Sequence[int]) -> list[str]:
    """Per frequency and other frequency, one log line on the counterparts found.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`build_feature_table`'s output.
    freqs : sequence of int
        The dataset's frequencies, in the order of the lines.

    Returns
    -------
    list of str
        E.g. ``"560 MHz: 812 sources, 640 inside 1400 MHz image, 301 with a counterpart,
        4 ambiguous"``.
    """
    lines = []
    for freq in freqs:
        rows = table[table["freq"] == freq]
        for other in freqs:
            if other == freq:
                continue
            lines.append(
                f"{freq} MHz: {len(rows)} sources, "
                f"{int(rows[f'observed_{other}'].sum())} inside {other} MHz image, "
                f"{int((rows[f'has_match_{other}'] == 1).sum())} with a counterpart, "
                f"{int((rows[f'n_match_{other}'] > 1).sum())} ambiguous"
            )
    return lines
