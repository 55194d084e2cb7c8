"""Plain-language morphology tags from PyBDSF's Gaussians and measurements.

After Bowles et al. (2022, "A New Task: Deriving Semantic Class Targets for the
Physical Sciences"): words an astronomer would use, each assigned by a rule on
measured quantities, with thresholds in ``config.catalogue.tags``:

========================  ====================================================================
tag                       rule
========================  ====================================================================
``compact``               one Gaussian, deconvolved major axis < ``compact_beams`` beams
``extended``              deconvolved major axis >= ``extended_beams`` beams
``elongated``             resolved, deconvolved minor/major axis <= ``elongated_axis_ratio``
``double``                exactly two Gaussians, >= ``separation_beams`` beams apart
``multi-component``       three Gaussians or more
``core-dominated``        two Gaussians or more, the brightest holds >= ``core_dominated_frac``
``diffuse``               peak over integrated flux <= ``diffuse_peak_to_total``
``faint``                 peak S/N < ``faint_snr``
``bright``                peak S/N >= ``bright_snr``
``asymmetric``            flux centroid >= ``asymmetric_offset_beams`` beams from the peak
========================  ====================================================================

:func:`morphology_measurements` derives the quantities from the Gaussian list,
:func:`morphology_tags` applies the rules, and :func:`select` evaluates a tag
expression such as ``"double & extended & ~faint"`` on a tagged catalogue.
:func:`truth_tags` applies the same rules, where the truth allows, to a truth
catalogue's sizes, core fractions and fluxes, and :func:`tag_agreement` says how
well the measured tags agree with them.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from sdc1.errors import InputError
from sdc1.match import tangent_plane_arcsec

__all__ = [
    "TAGS",
    "TagThresholds",
    "add_morphology",
    "morphology_measurements",
    "morphology_tags",
    "select",
    "tag_table",
    "TRUTH_TAGS",
    "tag_agreement",
    "truth_tags",
]

#: Every tag, in the order they are written.
TAGS: tuple[str, ...] = (
    "compact",
    "extended",
    "elongated",
    "double",
    "multi-component",
    "core-dominated",
    "diffuse",
    "faint",
    "bright",
    "asymmetric",
)


@dataclass(frozen=True)
class TagThresholds:
    """Thresholds of the tag rules (``config.catalogue.tags``; see the module docstring)."""

    compact_beams: float = 0.5
    extended_beams: float = 1.0
    elongated_axis_ratio: float = 0.5
    separation_beams: float = 1.0
    core_dominated_frac: float = 0.7
    diffuse_peak_to_total: float = 0.3
    faint_snr: float = 10.0
    bright_snr: float = 100.0
    asymmetric_offset_beams: float = 0.3

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def morphology_measurements(
    catalogue: pd.DataFrame, gaussians: pd.DataFrame, beam_arcsec: float
) -> pd.DataFrame:
    """Per-source quantities of the tag rules, from the catalogue and its Gaussians.

    Parameters
    ----------
    catalogue : pandas.DataFrame
        From :func:`sdc1.catalogue.to_sdc1` (``source_id``, ``n_gaussians``,
        ``dc_maj``, ``dc_min``, ``snr``, ``peak_flux``, ``total_flux``, positions).
    gaussians : pandas.DataFrame
        PyBDSF Gaussian list (``Source_id``, ``RA``, ``DEC``, ``Total_flux``).
    beam_arcsec : float
        Restoring-beam FWHM.

    Returns
    -------
    pandas.DataFrame
        ``max_separation_beams`` (largest distance between two of a source's
        Gaussians), ``component_flux_ratio`` (brightest over second brightest
        Gaussian; NaN for one), ``brightest_share`` (brightest Gaussian over the
        sum), ``centroid_offset_beams`` (flux centroid to peak), in the
        catalogue's row order.
    """
    n = len(catalogue)
    separation = np.zeros(n)
    ratio = np.full(n, np.nan)
    share = np.ones(n)
    if n and len(gaussians):
        row_of = pd.Series(np.arange(n), index=catalogue["source_id"].to_numpy())
        for source_id, group in gaussians.groupby("Source_id", sort=False):
            if len(group) < 2 or source_id not in row_of.index:
                continue
            row = int(row_of[source_id])
            xy = tangent_plane_arcsec(
                group["RA"].to_numpy(float),
                group["DEC"].to_numpy(float),
                float(group["RA"].iloc[0]),
                float(group["DEC"].iloc[0]),
            )
            separation[row] = float(
                np.max(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)))
            )
            fluxes = np.sort(group["Total_flux"].to_numpy(float))[::-1]
            ratio[row] = fluxes[0] / fluxes[1] if fluxes[1] > 0 else np.inf
            share[row] = fluxes[0] / fluxes.sum() if fluxes.sum() > 0 else 1.0
    offset = np.zeros(n)
    if n:
        core = tangent_plane_arcsec(
            catalogue["ra_core"].to_numpy(float),
            catalogue["dec_core"].to_numpy(float),
            float(catalogue["ra_core"].iloc[0]),
            float(catalogue["dec_core"].iloc[0]),
        )
        cent = tangent_plane_arcsec(
            catalogue["ra_cent"].to_numpy(float),
            catalogue["dec_cent"].to_numpy(float),
            float(catalogue["ra_core"].iloc[0]),
            float(catalogue["dec_core"].iloc[0]),
        )
        offset = np.hypot(*(cent - core).T)
    return pd.DataFrame(
        {
            "max_separation_beams": separation / beam_arcsec,
            "component_flux_ratio": ratio,
            "brightest_share": share,
            "centroid_offset_beams": offset / beam_arcsec,
        },
        index=catalogue.index,
    )


def morphology_tags(
    catalogue: pd.DataFrame,
    measurements: pd.DataFrame,
    beam_arcsec: float,
    thresholds: TagThresholds,
) -> pd.DataFrame:
    """Boolean table of :data:`TAGS`, one row per source (the rules of the module docstring)."""
    t = thresholds
    n_gauss = catalogue["n_gaussians"].to_numpy(int)
    dc_maj = catalogue["dc_maj"].to_numpy(float) / beam_arcsec
    dc_min = catalogue["dc_min"].to_numpy(float) / beam_arcsec
    snr = catalogue["snr"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        peak_to_total = catalogue["peak_flux"].to_numpy(float) / catalogue["total_flux"].to_numpy(
            float
        )
        axis_ratio = np.where(dc_maj > 0, dc_min / dc_maj, 1.0)
    separation = measurements["max_separation_beams"].to_numpy(float)
    return pd.DataFrame(
        {
            "compact": (n_gauss == 1) & (dc_maj < t.compact_beams),
            "extended": dc_maj >= t.extended_beams,
            "elongated": (dc_maj > 0) & (axis_ratio <= t.elongated_axis_ratio),
            "double": (n_gauss == 2) & (separation >= t.separation_beams),
            "multi-component": n_gauss >= 3,
            "core-dominated": (n_gauss >= 2)
            & (measurements["brightest_share"].to_numpy(float) >= t.core_dominated_frac),
            "diffuse": peak_to_total <= t.diffuse_peak_to_total,
            "faint": snr < t.faint_snr,
            "bright": snr >= t.bright_snr,
            "asymmetric": measurements["centroid_offset_beams"].to_numpy(float)
            >= t.asymmetric_offset_beams,
        },
        index=catalogue.index,
    )[list(TAGS)]


def add_morphology(
    catalogue: pd.DataFrame,
    gaussians: pd.DataFrame,
    beam_arcsec: float,
    thresholds: TagThresholds | dict[str, Any] | None = None,
) -> pd.DataFrame:
    """The catalogue with the measurements and a ``tags`` column ("double,extended"; "": none)."""
    if not isinstance(thresholds, TagThresholds):
        thresholds = TagThresholds(**(thresholds or {}))
    measurements = morphology_measurements(catalogue, gaussians, beam_arcsec)
    tags = morphology_tags(catalogue, measurements, beam_arcsec, thresholds)
    out = catalogue.copy()
    for column in measurements.columns:
        out[column] = measurements[column].to_numpy()
    names = np.array(TAGS, dtype=object)
    out["tags"] = [",".join(names[row]) for row in tags.to_numpy(bool)]
    return out


def tag_table(catalogue: pd.DataFrame) -> pd.DataFrame:
    """Boolean table of :data:`TAGS` from a catalogue's ``tags`` column."""
    if "tags" not in catalogue.columns:
        raise InputError("the catalogue has no 'tags' column (made by the catalogue step)")
    sets = catalogue["tags"].fillna("").astype(str).str.split(",")
    return pd.DataFrame(
        {tag: [tag in s for s in sets] for tag in TAGS}, index=catalogue.index, dtype=bool
    )


_TOKEN = re.compile(r"\s*(?:([A-Za-z][A-Za-z_-]*)|([&|~()]))")


def _python_expression(expression: str) -> str:
    """``expression`` with tag names as valid column names, every token checked."""
    out, position = [], 0
    while position < len(expression.rstrip()):
        match = _TOKEN.match(expression, position)
        if match is None:
            raise InputError(
                f"tag expression {expression!r}: unexpected {expression[position:].strip()!r}; "
                "use tag names with & (and), | (or), ~ (not) and parentheses"
            )
        name, operator = match.groups()
        if name is not None:
            if name not in TAGS:
                raise InputError(
                    f"tag expression {expression!r}: unknown tag {name!r}; known: "
                    + ", ".join(TAGS)
                )
            out.append(name.replace("-", "_"))
        else:
            out.append(operator)
        position = match.end()
    if not out:
        raise InputError("tag expression is empty")
    return " ".join(out)


def select(catalogue: pd.DataFrame, expression: str) -> pd.DataFrame:
    """The rows of a tagged catalogue for which the tag ``expression`` holds.

    Examples
    --------
    ``select(catalogue, "double & extended & ~faint")``
    """
    tags = tag_table(catalogue)
    tags.columns = [c.replace("-", "_") for c in tags.columns]
    try:
        mask = tags.eval(_python_expression(expression))
    except SyntaxError as error:
        raise InputError(f"tag expression {expression!r}: {error.msg}") from None
    return catalogue.loc[np.asarray(mask, dtype=bool)]


#: The tags that an SDC1 truth catalogue allows (one row per source: no components,
#: no peak flux), with the truth quantity each rule reads instead of the measured one.
TRUTH_TAGS: dict[str, str] = {
    "compact": "b_maj < compact_beams beams",
    "extended": "b_maj >= extended_beams beams",
    "elongated": "b_maj >= compact_beams beams, b_min / b_maj <= elongated_axis_ratio",
    "core-dominated": "core_frac >= core_dominated_frac",
    "faint": "flux over the matched source's island rms < faint_snr",
    "bright": "flux over the matched source's island rms >= bright_snr",
}


def truth_tags(
    truth: pd.DataFrame, rms: np.ndarray, beam_arcsec: float, thresholds: TagThresholds
) -> pd.DataFrame:
    """The tags of :data:`TRUTH_TAGS` from truth rows (SDC1 columns), one row per truth source.

    Parameters
    ----------
    truth : pandas.DataFrame
        Truth rows (``b_maj``, ``b_min`` in arcsec in the convention of ``size``:
        1 largest angular size, 2 Gaussian FWHM, 3 exponential scale length;
        ``core_frac``; ``flux`` in Jy).
    rms : numpy.ndarray
        Local noise (Jy/beam) at each truth source: the matched source's island rms.
    beam_arcsec : float
        Restoring-beam FWHM.
    thresholds : TagThresholds
        The thresholds of the measured tags.
    """
    t = thresholds
    # SFG sizes are exponential scale lengths (size 3): the SDC1 description's
    # Gaussian approximation has FWHM sqrt(2) times the scale length.
    to_fwhm = np.where(truth["size"].to_numpy(int) == 3, np.sqrt(2.0), 1.0)
    b_maj = truth["b_maj"].to_numpy(float) * to_fwhm / beam_arcsec
    b_min = truth["b_min"].to_numpy(float) * to_fwhm / beam_arcsec
    with np.errstate(divide="ignore", invalid="ignore"):
        snr = truth["flux"].to_numpy(float) / np.asarray(rms, dtype=float)
        axis_ratio = np.where(b_maj > 0, b_min / b_maj, 1.0)
    return pd.DataFrame(
        {
            "compact": b_maj < t.compact_beams,
            "extended": b_maj >= t.extended_beams,
            "elongated": (b_maj >= t.compact_beams) & (axis_ratio <= t.elongated_axis_ratio),
            "core-dominated": truth["core_frac"].to_numpy(float) >= t.core_dominated_frac,
            "faint": snr < t.faint_snr,
            "bright": snr >= t.bright_snr,
        },
        index=truth.index,
    )[list(TRUTH_TAGS)]


def tag_agreement(measured: pd.DataFrame, truth: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per tag: how often measured and truth tags agree, and Cohen's kappa beyond chance.

    Parameters
    ----------
    measured, truth : pandas.DataFrame
        Boolean tag tables of the same matched sources, row for row; the tags of
        ``truth``'s columns are compared.

    Returns
    -------
    dict
        Per tag: ``n`` (sources), ``n_measured`` and ``n_truth`` (tagged),
        ``agreement`` (fraction equal), ``kappa`` (None where chance agreement
        is total), ``precision`` and ``recall`` of the measured tag against the
        truth's (None without any).
    """
    out: dict[str, dict[str, Any]] = {}
    for tag in truth.columns:
        m = measured[tag].to_numpy(bool)
        t = truth[tag].to_numpy(bool)
        n = len(m)
        both = int((m & t).sum())
        observed = float((m == t).mean()) if n else None
        chance = None
        if n:
            chance = float(m.mean() * t.mean() + (1 - m.mean()) * (1 - t.mean()))
        kappa = None
        if observed is not None and chance is not None and chance < 1.0:
            kappa = round((observed - chance) / (1.0 - chance), 3)
        out[tag] = {
            "n": n,
            "n_measured": int(m.sum()),
            "n_truth": int(t.sum()),
            "agreement": None if observed is None else round(observed, 3),
            "kappa": kappa,
            "precision": round(both / m.sum(), 3) if m.sum() else None,
            "recall": round(both / t.sum(), 3) if t.sum() else None,
        }
    return out
