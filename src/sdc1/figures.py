"""The report's figures assembled from the workflow's tables: named figures and their writer.

:mod:`sdc1.plots` draws one figure from plain arrays; this module decides what goes
into each report figure (the image cut-out, truth on the image footprint, matches)
and writes them. Nothing but :func:`save_figures` touches files.
"""

from __future__ import annotations

import os
from typing import Any, Mapping

import numpy as np
import pandas as pd
from astropy.io import fits
from astropy.wcs import WCS
from matplotlib.figure import Figure

from sdc1 import plots
from sdc1.beam import beam_arcsec_from_header, celestial_header
from sdc1.features import inside_footprint, on_pixel_grid
from sdc1.io import atomic_path
from sdc1.match import match_to_truth
from sdc1.model import TrainedModel

__all__ = [
    "FIGURE_NAMES",
    "frequency_figures",
    "save_figure",
    "save_figures",
    "spectral_index_figure",
    "spectral_index_table",
    "zoom",
]

#: Names of the figures of one frequency (:func:`frequency_figures`), as in the rule's outputs.
FIGURE_NAMES: tuple[str, ...] = (
    "image",
    "counts",
    "completeness",
    "flux_ratio",
    "confusion",
    "calibration",
    "population",
    "importances",
)


def zoom(image: np.ndarray, size: int) -> tuple[np.ndarray, int, int]:
    """The central ``size``-pixel square of ``image`` (clipped to it) and its lower-left corner.

    Returns
    -------
    cut : numpy.ndarray
        The square, as float.
    x0, y0 : int
        Pixel of ``image`` at the square's lower-left corner.
    """
    ny, nx = image.shape
    half = size // 2
    y0, x0 = max(ny // 2 - half, 0), max(nx // 2 - half, 0)
    return np.array(image[y0 : y0 + size, x0 : x0 + size], dtype=float), x0, y0


def image_figure(
    image: np.ndarray, wcs: WCS, predictions: pd.DataFrame, freq: int, zoom_px: int
) -> Figure:
    """The central cut-out of the image with the detections on it, coloured by class."""
    cut, x0, y0 = zoom(image, zoom_px)
    x, y = wcs.world_to_pixel_values(
        predictions["ra_core"].to_numpy(), predictions["dec_core"].to_numpy()
    )
    inside = on_pixel_grid(x - x0, y - y0, cut.shape[1], cut.shape[0])
    return plots.image_overlay(
        cut,
        x[inside] - x0,
        y[inside] - y0,
        predictions["class"].to_numpy()[inside],
        title=f"{freq} MHz: central {cut.shape[1]}x{cut.shape[0]} px, detections by class",
        wcs=wcs.slice((slice(y0, y0 + cut.shape[0]), slice(x0, x0 + cut.shape[1]))),
    )


def classification_figures(scores: Mapping[str, Any], freq: int) -> dict[str, Figure]:
    """The confusion matrix and the reliability diagram of a score file."""
    classification = scores["classification"]
    cm = classification["confusion_matrix"]
    macro_f1 = classification["macro_f1"] or 0
    return {
        "confusion": plots.confusion_matrix(
            cm["matrix"],
            cm["labels"],
            title=f"{freq} MHz: confusion matrix (macro F1 {macro_f1:.2f})",
        ),
        "calibration": plots.reliability_diagram(
            classification.get("reliability", {}),
            title=f"{freq} MHz: probability calibration",
            per_class=classification.get("per_class"),
        ),
        "population": plots.population_counts(
            classification.get("population") or {},
            title=f"{freq} MHz: class counts of the judged sources",
        ),
    }


def frequency_figures(
    freq: int,
    image: np.ndarray,
    header: fits.Header,
    predictions: pd.DataFrame,
    truth: pd.DataFrame,
    scores: Mapping[str, Any],
    model: TrainedModel,
    *,
    zoom_px: int,
    match_radius_beams: float,
    top_features: int,
) -> tuple[dict[str, Figure], int]:
    """The report figures of one frequency.

    Parameters
    ----------
    freq : int
        Frequency in MHz (titles).
    image, header : numpy.ndarray, astropy.io.fits.Header
        The primary-beam corrected image and its header.
    predictions : pandas.DataFrame
        The predict step's table.
    truth : pandas.DataFrame
        Truth catalogue (SDC1 columns).
    scores : mapping
        The score step's document (:func:`sdc1.score.score_frequency`).
    model : TrainedModel
        The train step's model (feature importances of its primary feature set).
    zoom_px : int
        Side of the image cut-out, in pixels.
    match_radius_beams : float
        Truth match radius for completeness and reliability, in beams.
    top_features : int
        Features shown in the importance chart.

    Returns
    -------
    figures : dict
        :data:`FIGURE_NAMES` -> figure.
    n_matched : int
        Detections matched to the truth.
    """
    wcs = WCS(celestial_header(header))
    matches = match_to_truth(
        predictions, truth, beam_arcsec_from_header(header), radius_beams=match_radius_beams
    )
    # Truth outside the image cannot be detected: judge completeness on the image's footprint.
    on_image = inside_footprint(truth["ra_core"].to_numpy(), truth["dec_core"].to_numpy(), header)
    matched = predictions.loc[matches["cat_index"]]
    figures = {
        "image": image_figure(image, wcs, predictions, freq, zoom_px),
        "counts": plots.source_counts(
            predictions["flux"].to_numpy(),
            truth["flux"].to_numpy(),
            title=f"{freq} MHz: differential source counts",
        ),
        "completeness": plots.completeness_reliability(
            truth["flux"].to_numpy()[on_image],
            truth.index.isin(matches["truth_index"])[on_image],
            predictions["flux"].to_numpy(),
            predictions.index.isin(matches["cat_index"]),
            title=f"{freq} MHz: completeness and reliability",
        ),
        "flux_ratio": plots.flux_ratio_vs_snr(
            matched["snr"].to_numpy(),
            matched["flux"].to_numpy(),
            matches["flux_t"].to_numpy(),
            title=f"{freq} MHz: flux recovery",
        ),
        **classification_figures(scores, freq),
        "importances": plots.feature_importances(
            model.primary_model.importances,
            top=top_features,
            title=f"{freq} MHz: feature importances ({model.primary})",
        ),
    }
    return figures, len(matches)


def spectral_index_table(
    features: pd.DataFrame, predictions: Mapping[int, pd.DataFrame]
) -> pd.DataFrame:
    """Each source's spectral index to the nearest other frequency and its predicted class.

    Parameters
    ----------
    features : pandas.DataFrame
        The feature table (``freq``, ``id``, ``alpha_<freq>`` columns).
    predictions : mapping
        Frequency (MHz) -> that frequency's predictions table (``id``, ``class``), in the
        dataset's order of frequencies.

    Returns
    -------
    pandas.DataFrame
        ``freq``, ``id``, ``alpha``, ``class``.
    """
    freqs = list(predictions)
    alpha = features.assign(alpha=plots.nearest_alpha(features, freqs))
    classes = pd.concat(
        [table[["id", "class"]].assign(freq=int(freq)) for freq, table in predictions.items()],
        ignore_index=True,
    )
    return (
        alpha[["freq", "id", "alpha"]]
        .astype({"freq": int, "id": int})
        .merge(classes, on=["freq", "id"], validate="1:1")
    )


def spectral_index_figure(table: pd.DataFrame) -> Figure:
    """Spectral-index distribution per predicted class, a panel per frequency."""
    return plots.spectral_index_by_class(
        table, title="Spectral index to the nearest other frequency, by predicted class"
    )


def save_figure(fig: Figure, path: str | os.PathLike, dpi: int) -> None:
    """Write ``fig`` as PNG, atomically."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi)


def save_figures(
    figures: Mapping[str, Figure], paths: Mapping[str, str | os.PathLike], dpi: int
) -> None:
    """Write each figure of ``paths`` (name -> path) as PNG."""
    for name, path in paths.items():
        save_figure(figures[name], path, dpi)
