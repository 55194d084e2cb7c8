"""One-to-one matching of measured sources to a truth catalogue.

Shared by calibration, labelling, scoring figures and anything else that needs
to know which detection is which true source.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

__all__ = ["match_to_truth", "tangent_plane_arcsec"]


def tangent_plane_arcsec(
    ra_deg: np.ndarray, dec_deg: np.ndarray, ra0: float, dec0: float
) -> np.ndarray:
    """Offsets (arcsec) of positions from ``(ra0, dec0)`` on a local flat sky."""
    dra = (np.asarray(ra_deg, dtype=float) - ra0 + 180.0) % 360.0 - 180.0
    x = dra * np.cos(np.deg2rad(dec0)) * 3600.0
    y = (np.asarray(dec_deg, dtype=float) - dec0) * 3600.0
    return np.column_stack([x, y])


def match_to_truth(
    catalogue: pd.DataFrame,
    truth: pd.DataFrame,
    beam_arcsec: float,
    *,
    radius_beams: float = 1.0,
    flux_weight: float = 1.0,
    flux_scale_dex: float = 0.5,
) -> pd.DataFrame:
    """Match catalogue sources one-to-one to truth sources.

    Candidates are truth sources whose core lies within ``radius_beams`` beams
    of the catalogue source's core. The best candidate minimises
    ``(sep / radius)**2 + flux_weight * (log10(flux / flux_true) / flux_scale_dex)**2``,
    so that a bright detection is not matched to a faint neighbour that happens
    to be closer. Each truth source is used at most once (the best-scoring pair
    wins, greedily).

    Parameters
    ----------
    catalogue : pandas.DataFrame
        Catalogue with ``ra_core``, ``dec_core`` (degrees) and ``flux`` (Jy).
    truth : pandas.DataFrame
        Truth catalogue with the SDC1 columns.
    beam_arcsec : float
        Restoring-beam FWHM in arcsec.
    radius_beams : float, optional
        Match radius in beams.
    flux_weight : float, optional
        Weight of the flux term in the match cost (0: nearest neighbour).
    flux_scale_dex : float, optional
        Flux difference (dex) that costs as much as a separation of one radius.

    Returns
    -------
    pandas.DataFrame
        One row per matched catalogue source: ``cat_index`` (the catalogue's
        index label), ``truth_index`` (the truth's index label), ``sep_arcsec``
        and the truth's SDC1 columns suffixed ``_t``.
    """
    out_columns = ["cat_index", "truth_index", "sep_arcsec"] + [f"{c}_t" for c in truth.columns]
    if len(catalogue) == 0 or len(truth) == 0:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in out_columns})
    ra0 = float(np.median(catalogue["ra_core"]))
    dec0 = float(np.median(catalogue["dec_core"]))
    xy_cat = tangent_plane_arcsec(catalogue["ra_core"], catalogue["dec_core"], ra0, dec0)
    xy_truth = tangent_plane_arcsec(truth["ra_core"], truth["dec_core"], ra0, dec0)
    radius = radius_beams * beam_arcsec
    tree = cKDTree(xy_truth)
    candidates = tree.query_ball_point(xy_cat, r=radius)
    flux_cat = np.asarray(catalogue["flux"], dtype=float)
    flux_truth = np.asarray(truth["flux"], dtype=float)
    rows_i, rows_j, costs, seps = [], [], [], []
    for i, cand in enumerate(candidates):
        if not cand:
            continue
        cand = np.asarray(cand)
        sep = np.hypot(*(xy_truth[cand] - xy_cat[i]).T)
        with np.errstate(divide="ignore", invalid="ignore"):
            dex = np.log10(np.abs(flux_cat[i]) / np.abs(flux_truth[cand]))
        dex = np.nan_to_num(dex, nan=10.0, posinf=10.0, neginf=10.0)
        cost = (sep / radius) ** 2 + flux_weight * (dex / flux_scale_dex) ** 2
        rows_i.extend([i] * len(cand))
        rows_j.extend(cand.tolist())
        costs.extend(cost.tolist())
        seps.extend(sep.tolist())
    if not rows_i:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in out_columns})
    pairs = pd.DataFrame({"i": rows_i, "j": rows_j, "cost": costs, "sep": seps})
    pairs = pairs.sort_values(["cost", "i", "j"], kind="mergesort")
    used_i: set[int] = set()
    used_j: set[int] = set()
    keep = []
    for row in pairs.itertuples(index=False):
        if row.i in used_i or row.j in used_j:
            continue
        used_i.add(row.i)
        used_j.add(row.j)
        keep.append((row.i, row.j, row.sep))
    keep.sort()
    idx_i = np.array([k[0] for k in keep], dtype=int)
    idx_j = np.array([k[1] for k in keep], dtype=int)
    matched_truth = truth.iloc[idx_j].reset_index(drop=True).add_suffix("_t")
    result = pd.DataFrame(
        {
            "cat_index": catalogue.index.to_numpy()[idx_i],
            "truth_index": truth.index.to_numpy()[idx_j],
            "sep_arcsec": np.array([k[2] for k in keep], dtype=float),
        }
    )
    return pd.concat([result, matched_truth], axis=1)
