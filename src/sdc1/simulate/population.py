"""Synthetic SDC1 source population: one list of sources with IDs shared by all frequencies.

The parameters (``resources/population/params.yaml``, written by
``resources/population/fit_population.py``) are fitted to the real SDC1 truth
catalogues. Per class (1 steep-spectrum AGN, 2 flat-spectrum AGN, 3 star-forming
galaxy) they hold:

* the differential source counts at 560 MHz, dN/dlog10(S) per square degree in bins of
  log10 flux (number density and flux distribution at once);
* the spectral index between 560 and 1400 MHz and between 1400 and 9200 MHz
  (empirical quantiles, or normal distributions);
* conditional quantile tables, per bin of log10 flux: log10 intrinsic size (SFG:
  exponential scale length; steep AGN: largest angular size; flat AGN: lobe FWHM),
  axis ratio, core fraction, centroid offset (fraction of the size), position angle;
* the probability that a source is catalogued as extended at a frequency, a logistic
  function of its size in pixels of that frequency;
* the truth-catalogue selection: a logistic function of log10 of the primary-beam
  attenuated peak brightness with a per-frequency threshold (the training catalogues
  list only sources above roughly the 8 h noise).

A population is drawn once for a sky box (uniform positions) and converted into a
frequency's SDC1 catalogue with :func:`catalogue_at`. Every random number a source
needs is drawn when the population is made, so catalogues at different frequencies
are consistent and everything is reproducible from the seed.
"""

from __future__ import annotations

import os
from typing import Any, Mapping

import numpy as np
import pandas as pd
import yaml

from sdc1.simulate.exact import exp_exact
from sdc1.simulate.geometry import pixel_scale_deg
from sdc1.sky import wrap_ra

#: Default parameter file, relative to the repository root.
#: Reference frequency (MHz) of the population fluxes.
REF_FREQ: int = 560

#: Class codes.
SS_AGN, FS_AGN, SFG = 1, 2, 3

#: Columns of a population table.
POPULATION_COLUMNS: tuple[str, ...] = (
    "id",
    "ra",
    "dec",
    "class",
    "flux_560",
    "alpha_low",
    "alpha_high",
    "size_arcsec",
    "axis_ratio",
    "pa",
    "core_frac_560",
    "offset_frac",
    "offset_angle",
    "u_extended",
    "u_select",
)


def load_params(path: str | os.PathLike) -> dict[str, Any]:
    """Read population parameters from YAML (the workflow's: resources/population/params.yaml)."""
    with open(path) as handle:
        params = yaml.safe_load(handle)
    params["classes"] = {int(k): v for k, v in params["classes"].items()}
    return params


def sky_area_deg2(ra_min: float, ra_max: float, dec_min: float, dec_max: float) -> float:
    """Solid angle (square degrees) of a box bounded by RA and Dec lines."""
    d_ra = np.radians(ra_max - ra_min)
    d_sin = np.sin(np.radians(dec_max)) - np.sin(np.radians(dec_min))
    return float(d_ra * d_sin * (180.0 / np.pi) ** 2)


def _uniform_positions(
    rng: np.random.Generator, n: int, bounds: tuple[float, float, float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` positions uniform on the sphere within an RA/Dec box."""
    ra_min, ra_max, dec_min, dec_max = bounds
    ra = rng.uniform(ra_min, ra_max, n)
    s_lo, s_hi = np.sin(np.radians(dec_min)), np.sin(np.radians(dec_max))
    dec = np.degrees(np.arcsin(rng.uniform(s_lo, s_hi, n)))
    return ra, dec


def _sample_counts(
    rng: np.random.Generator, counts: Mapping[str, Any], area_deg2: float, min_flux: float
) -> np.ndarray:
    """Draw log10 fluxes from binned differential counts: Poisson per bin, uniform within it."""
    edges = np.asarray(counts["log_flux_edges"], dtype=float)
    density = np.asarray(counts["density_per_deg2"], dtype=float)
    lo = np.maximum(edges[:-1], np.log10(min_flux))
    frac = np.clip((edges[1:] - lo) / np.diff(edges), 0.0, 1.0)
    n = rng.poisson(density * frac * area_deg2)
    return np.concatenate([rng.uniform(a, b, k) for a, b, k in zip(lo, edges[1:], n)])


def _conditional(
    rng: np.random.Generator, table: Mapping[str, Any], name: str, log_flux: np.ndarray
) -> np.ndarray:
    """Draw a quantity from its per-flux-bin quantile table (linear interpolation in
    probability)."""
    edges = np.asarray(table["log_flux_edges"], dtype=float)
    levels = np.asarray(table["quantile_levels"], dtype=float)
    quantiles = np.asarray(table[name], dtype=float)
    which = np.clip(np.searchsorted(edges, log_flux, side="right") - 1, 0, len(quantiles) - 1)
    u = rng.uniform(0.0, 1.0, log_flux.size)
    out = np.empty(log_flux.size)
    for k in range(len(quantiles)):
        sel = which == k
        out[sel] = np.interp(u[sel], levels, quantiles[k])
    return out


def _spectral_index(rng: np.random.Generator, spec: Mapping[str, Any], n: int) -> np.ndarray:
    """Draw spectral indices from an empirical quantile table, else a normal distribution."""
    if "quantiles" in spec:
        return np.interp(rng.uniform(size=n), spec["quantile_levels"], spec["quantiles"])
    return rng.normal(spec["mean"], spec["sd"], n)


def _draw_class(
    rng: np.random.Generator, cls: int, cp: Mapping[str, Any], area_deg2: float, min_flux: float
) -> pd.DataFrame:
    """Draw the intrinsic properties of all sources of one class."""
    log_flux = _sample_counts(rng, cp["counts"], area_deg2, min_flux)
    n = log_flux.size
    cond = cp["conditional"]
    size = 10.0 ** _conditional(rng, cond, "log_size", log_flux)
    zero = rng.uniform(size=n) < cp.get("zero_size_fraction", 0.0)
    size[zero] = 0.0
    core_frac = (
        _conditional(rng, cond, "core_frac", log_flux) if "core_frac" in cond else np.zeros(n)
    )
    offset = (
        _conditional(rng, cond, "offset_frac", log_flux) if "offset_frac" in cond else np.zeros(n)
    )
    alpha_low = _spectral_index(rng, cp["alpha_low"], n)
    alpha_high = _spectral_index(rng, cp["alpha_high"], n)
    return pd.DataFrame(
        {
            "class": np.full(n, cls, dtype=np.int64),
            "flux_560": 10.0**log_flux,
            "alpha_low": alpha_low,
            "alpha_high": alpha_high,
            "size_arcsec": size,
            "axis_ratio": np.clip(_conditional(rng, cond, "axis_ratio", log_flux), 0.0, 1.0),
            "pa": _conditional(rng, cond, "pa", log_flux),
            "core_frac_560": np.clip(core_frac, 0.0, 1.0),
            "offset_frac": np.maximum(offset, 0.0),
            "offset_angle": rng.uniform(0.0, 360.0, n),
            "u_extended": rng.uniform(size=n),
            "u_select": rng.uniform(size=n),
        }
    )


def generate_population(
    params: Mapping[str, Any],
    bounds: tuple[float, float, float, float],
    seed: int,
    min_flux: float | None = None,
) -> pd.DataFrame:
    """Draw a source population in a sky box.

    Parameters
    ----------
    params : mapping
        Population parameters from :func:`load_params`.
    bounds : tuple of float
        (ra_min, ra_max, dec_min, dec_max) in degrees, RA in [-180, 180).
    seed : int
        Seed of the random generator; the same seed and box give the same population.
    min_flux : float, optional
        Faintest 560 MHz flux (Jy) drawn; defaults to ``params['min_flux_jy']``.

    Returns
    -------
    pandas.DataFrame
        One row per source with :data:`POPULATION_COLUMNS`; ``id`` runs from 1 and is
        shared by the catalogues of every frequency.
    """
    min_flux = float(params["min_flux_jy"] if min_flux is None else min_flux)
    area = sky_area_deg2(*bounds)
    rng = np.random.default_rng(seed)
    parts = [
        _draw_class(rng, cls, params["classes"][cls], area, min_flux)
        for cls in sorted(params["classes"])
    ]
    n = sum(len(part) for part in parts)
    ra, dec = _uniform_positions(rng, n, bounds)
    order = rng.permutation(n)
    # Column by column (rows shuffled by ``order``): a full-field population has ~20
    # million rows, and whole-frame concat/insert/reindex steps each copied all of it.
    columns: dict[str, np.ndarray] = {
        "id": np.arange(1, n + 1, dtype=np.int64),
        "ra": wrap_ra(ra)[order],
        "dec": dec[order],
    }
    del ra, dec
    for name in POPULATION_COLUMNS:
        if name not in columns:
            columns[name] = np.concatenate([part[name].to_numpy() for part in parts])[order]
    del parts
    return pd.DataFrame({name: columns.pop(name) for name in POPULATION_COLUMNS}, copy=False)


def flux_at(pop: pd.DataFrame, freq: int) -> np.ndarray:
    """Integrated flux (Jy) of every source at ``freq`` MHz (broken power law through 1400 MHz)."""
    s560 = pop["flux_560"].to_numpy()
    alpha_low = pop["alpha_low"].to_numpy()
    if freq <= 1400:
        return s560 * (freq / 560.0) ** alpha_low
    s1400 = s560 * (1400.0 / 560.0) ** alpha_low
    return s1400 * (freq / 1400.0) ** pop["alpha_high"].to_numpy()


def _logistic(x: np.ndarray) -> np.ndarray:
    # From IEEE-exact operations: numpy's tanh differs between instruction sets.
    return 1.0 / (1.0 + exp_exact(-np.asarray(x, dtype=np.float64)))


def selection_probability(
    params: Mapping[str, Any], freq: int, apparent_peak: np.ndarray, cls: np.ndarray | int = 3
) -> np.ndarray:
    """Probability that a source enters the truth catalogue, from its apparent peak brightness.

    ``apparent_peak`` is the primary-beam attenuated peak brightness (Jy/beam) after
    the restoring beam: flux x PB x :func:`peak_fraction`; the threshold depends on the
    frequency and the class.
    """
    sel = params["selection"]
    table = sel["log_threshold"]
    per_class = table[freq] if freq in table else table[str(freq)]
    cls = np.broadcast_to(np.asarray(cls), np.shape(apparent_peak))
    x0 = np.array(
        [per_class[int(c)] if int(c) in per_class else per_class[str(int(c))] for c in (1, 2, 3)]
    )[cls - 1]
    with np.errstate(divide="ignore"):
        x = (np.log10(np.maximum(apparent_peak, 1e-30)) - x0) / sel["log_width"]
    return _logistic(x)


def fwhm_factor(size: np.ndarray) -> np.ndarray:
    """Factor that turns SDC1 catalogue sizes into Gaussian FWHM, as ska-sdc does.

    ``size`` is the catalogue's size flag: 1 (largest angular size, x 1/2),
    2 (Gaussian FWHM, x 1) or 3 (exponential scale length, x sqrt(2)).
    """
    size = np.asarray(size)
    return np.select([size == 3, size == 1], [np.sqrt(2.0), 0.5], 1.0)


def peak_fraction(cat: pd.DataFrame, freq: int) -> np.ndarray:
    """Peak (Jy/beam) over integrated flux of each catalogue source after the restoring beam.

    Sizes are turned into Gaussian FWHM by :func:`fwhm_factor`.
    """
    from sdc1.simulate.geometry import beam_fwhm_arcsec

    factor = fwhm_factor(cat["size"].to_numpy())
    beam = beam_fwhm_arcsec(freq)
    g_maj = cat["b_maj"].to_numpy(dtype=float) * factor / beam
    g_min = cat["b_min"].to_numpy(dtype=float) * factor / beam
    return 1.0 / np.sqrt((1.0 + g_maj**2) * (1.0 + g_min**2))


def extended_probability(params: Mapping[str, Any], cls: int, size_px: np.ndarray) -> np.ndarray:
    """Probability that a source of intrinsic size ``size_px`` pixels is catalogued as extended."""
    ext = params["classes"][cls].get("extended")
    if ext is None:
        return np.zeros_like(size_px, dtype=float)
    with np.errstate(divide="ignore"):
        x = (np.log10(np.maximum(size_px, 1e-30)) - ext["log_px_mid"]) / ext["log_px_width"]
    return _logistic(x)


def catalogue_at(
    pop: pd.DataFrame,
    freq: int,
    params: Mapping[str, Any],
    pb: np.ndarray | None = None,
    select: bool = False,
) -> pd.DataFrame:
    """Convert a population into the SDC1 truth catalogue of one frequency.

    Parameters
    ----------
    pop : pandas.DataFrame
        Population from :func:`generate_population`.
    freq : int
        560, 1400 or 9200.
    params : mapping
        Population parameters.
    pb : numpy.ndarray, optional
        Primary-beam response at each source (1 when omitted); used only by the selection.
    select : bool
        Keep only the sources that the SDC1 truth selection would list (see
        :func:`selection_probability`); otherwise keep every source.

    Returns
    -------
    pandas.DataFrame
        The 12 SDC1 columns (``id ra_core dec_core ra_cent dec_cent flux core_frac b_maj
        b_min pa size class``) with catalogue conventions: fluxes intrinsic (not PB
        attenuated), SFG sizes as Gaussian FWHM (size 2) or exponential scale length
        (size 3), steep AGN sizes as LAS (size 1) or LAS/2 Gaussian FWHM (size 2), flat
        AGN lobe FWHM (size 2).
    """
    cls = pop["class"].to_numpy()
    flux = flux_at(pop, freq)
    size = pop["size_arcsec"].to_numpy()
    q = pop["axis_ratio"].to_numpy()
    size_px = size / (pixel_scale_deg(freq) * 3600.0)
    ext_p = np.zeros(len(pop))
    for c in (SS_AGN, SFG):
        m = cls == c
        ext_p[m] = extended_probability(params, c, size_px[m])
    extended = pop["u_extended"].to_numpy() < ext_p

    size_flag = np.full(len(pop), 2, dtype=np.int64)
    b_maj = size.copy()
    sfg = cls == SFG
    ss = cls == SS_AGN
    size_flag[sfg & extended] = 3
    b_maj[sfg & ~extended] = np.sqrt(2.0) * size[sfg & ~extended]
    size_flag[ss & extended] = 1
    b_maj[ss & ~extended] = 0.5 * size[ss & ~extended]

    core_frac = pop["core_frac_560"].to_numpy().copy()
    for c in (SS_AGN, FS_AGN):
        m = cls == c
        beta = params["classes"][c].get("core_frac_beta", 0.0)
        core_frac[m] = np.minimum(core_frac[m] * (freq / 560.0) ** beta, 1.0)

    ra = pop["ra"].to_numpy()
    dec = pop["dec"].to_numpy()
    offset_deg = pop["offset_frac"].to_numpy() * size / 3600.0
    ang = np.radians(pop["offset_angle"].to_numpy())
    dec_cent = dec + offset_deg * np.cos(ang)
    ra_cent = ra + offset_deg * np.sin(ang) / np.cos(np.radians(dec))

    cat = pd.DataFrame(
        {
            "id": pop["id"].to_numpy(),
            "ra_core": ra,
            "dec_core": dec,
            "ra_cent": ra_cent,
            "dec_cent": dec_cent,
            "flux": flux,
            "core_frac": core_frac,
            "b_maj": b_maj,
            "b_min": b_maj * q,
            "pa": pop["pa"].to_numpy(),
            "size": size_flag,
            "class": cls,
        }
    )
    if select:
        apparent = flux * (1.0 if pb is None else np.asarray(pb)) * peak_fraction(cat, freq)
        keep = pop["u_select"].to_numpy() < selection_probability(params, freq, apparent, cls)
        cat = cat.loc[keep].reset_index(drop=True)
    return cat
