"""Figures for the workflow report: small, pure functions from tables and arrays to a Figure.

Every function takes plain DataFrames or arrays, draws one figure and returns it;
nothing is read or written here. The caller saves (``fig.savefig``) and closes it.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from astropy.visualization import (  # noqa: E402
    AsinhStretch,
    AsymmetricPercentileInterval,
    ImageNormalize,
)
from astropy.wcs import WCS  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

CLASS_LABELS: dict[int, str] = {1: "SS AGN", 2: "FS AGN", 3: "SFG"}
CLASS_COLOURS: dict[int, str] = {1: "tab:red", 2: "tab:orange", 3: "tab:cyan"}


def _figure(width: float = 6.0, height: float = 4.5) -> tuple[Figure, plt.Axes]:
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.add_subplot()


def _no_data(ax: plt.Axes, text: str) -> None:
    """Say in the middle of an empty panel why it is empty (a sparse image may have no sources)."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color="gray")


def _positive(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return values[np.isfinite(values) & (values > 0)]


def log_bins(values: np.ndarray, per_dex: int = 5) -> np.ndarray:
    """Logarithmic bin edges covering the positive finite ``values`` (at least one bin)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values) & (values > 0)]
    if len(values) == 0:
        return np.logspace(-6, -5, 2)
    lo, hi = np.floor(np.log10(values.min()) * per_dex), np.ceil(np.log10(values.max()) * per_dex)
    hi = max(hi, lo + 1)
    return 10 ** (np.arange(lo, hi + 1) / per_dex)


def image_overlay(
    image: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    classes: np.ndarray,
    *,
    title: str = "",
    wcs: WCS | None = None,
) -> Figure:
    """Image (arcsinh stretch) with detected sources marked, coloured by predicted class.

    ``x`` and ``y`` are 0-based pixel coordinates in ``image``. With the image's
    celestial ``wcs`` the axes are RA and Dec (WCSAxes), otherwise pixels.
    """
    fig = Figure(figsize=(6.5, 6.0), layout="constrained")
    ax = fig.add_subplot(projection=wcs) if wcs is not None else fig.add_subplot()
    data = np.asarray(image, dtype=float)
    if np.isfinite(data).any():
        norm = ImageNormalize(
            data, interval=AsymmetricPercentileInterval(1.0, 99.7), stretch=AsinhStretch(0.05)
        )
    else:
        norm = None
    ax.imshow(
        np.nan_to_num(data), origin="lower", cmap="gray_r", interpolation="nearest", norm=norm
    )
    classes = np.asarray(classes, dtype=int)
    for c, label in CLASS_LABELS.items():
        sel = classes == c
        ax.scatter(
            np.asarray(x)[sel],
            np.asarray(y)[sel],
            s=40,
            facecolors="none",
            edgecolors=CLASS_COLOURS[c],
            linewidths=1.0,
            label=f"{label} ({int(sel.sum())})",
        )
    ax.set_xlim(-0.5, data.shape[1] - 0.5)
    ax.set_ylim(-0.5, data.shape[0] - 0.5)
    if wcs is not None:
        ax.coords[0].set_axislabel("Right ascension (ICRS)")
        ax.coords[1].set_axislabel("Declination (ICRS)")
    else:
        ax.set_xlabel("x (pixel)")
        ax.set_ylabel("y (pixel)")
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize="small")
    return fig


def source_counts(detected_flux: np.ndarray, truth_flux: np.ndarray, *, title: str = "") -> Figure:
    """Differential source counts (sources per dex of flux) of detections and truth."""
    fig, ax = _figure()
    bins = log_bins(
        np.concatenate([np.asarray(detected_flux, float), np.asarray(truth_flux, float)])
    )
    dex = np.diff(np.log10(bins))
    centres = np.sqrt(bins[:-1] * bins[1:])
    for values, label, style in ((truth_flux, "truth", "k-"), (detected_flux, "detected", "C0o-")):
        counts, _ = np.histogram(np.asarray(values, float), bins=bins)
        ax.plot(
            centres,
            np.where(counts > 0, counts / dex, np.nan),
            style,
            label=f"{label} ({len(values)})",
        )
    if len(
        _positive(
            np.concatenate([np.asarray(detected_flux, float), np.asarray(truth_flux, float)])
        )
    ):
        ax.set_xscale("log")
        ax.set_yscale("log")
    else:
        _no_data(ax, "no sources with a positive flux")
    ax.set_xlabel("integrated flux (Jy)")
    ax.set_ylabel("dN / dlog10 S (sources per dex)")
    ax.set_title(title)
    ax.legend()
    return fig


def binned_fraction(
    values: np.ndarray, hit: np.ndarray, bins: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Fraction of ``hit`` per bin of ``values`` (NaN where a bin is empty) and the counts."""
    values = np.asarray(values, dtype=float)
    hit = np.asarray(hit, dtype=bool)
    total, _ = np.histogram(values, bins=bins)
    hits, _ = np.histogram(values[hit], bins=bins)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, hits / np.maximum(total, 1), np.nan), total


def completeness_reliability(
    truth_flux: np.ndarray,
    truth_matched: np.ndarray,
    detected_flux: np.ndarray,
    detected_matched: np.ndarray,
    *,
    title: str = "",
) -> Figure:
    """Completeness (matched truth / truth) against true flux, reliability against measured flux.

    Reliability is matched / detected.
    """
    fig, ax = _figure()
    bins = log_bins(
        np.concatenate([np.asarray(truth_flux, float), np.asarray(detected_flux, float)])
    )
    centres = np.sqrt(bins[:-1] * bins[1:])
    completeness, _ = binned_fraction(truth_flux, truth_matched, bins)
    reliability, _ = binned_fraction(detected_flux, detected_matched, bins)
    ax.plot(centres, completeness, "C0o-", label="completeness (true flux)")
    ax.plot(centres, reliability, "C3s-", label="reliability (measured flux)")
    ax.set_xscale("log")
    ax.set_ylim(-0.02, 1.05)
    ax.set_xlabel("flux (Jy)")
    ax.set_ylabel("fraction")
    ax.set_title(title)
    ax.legend()
    return fig


def flux_ratio_vs_snr(
    snr: np.ndarray, measured: np.ndarray, true: np.ndarray, *, title: str = ""
) -> Figure:
    """Measured over true flux of matched sources against their signal-to-noise ratio."""
    fig, ax = _figure()
    snr = np.asarray(snr, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.asarray(measured, dtype=float) / np.asarray(true, dtype=float)
    ok = np.isfinite(ratio) & np.isfinite(snr) & (snr > 0) & (ratio > 0)
    ax.scatter(snr[ok], ratio[ok], s=6, alpha=0.5, color="C0", label=f"matched ({int(ok.sum())})")
    if ok.sum() >= 2:
        bins = log_bins(snr[ok], per_dex=4)
        idx = np.digitize(snr[ok], bins) - 1
        med = [
            np.median(ratio[ok][idx == i]) if np.any(idx == i) else np.nan
            for i in range(len(bins) - 1)
        ]
        ax.plot(np.sqrt(bins[:-1] * bins[1:]), med, "k-", lw=2, label="median")
    ax.axhline(1.0, color="gray", ls="--")
    if ok.any():
        ax.set_xscale("log")
        ax.set_yscale("log")
    else:
        _no_data(ax, "no matched sources")
    ax.set_xlabel("peak signal-to-noise ratio")
    ax.set_ylabel("measured / true flux")
    ax.set_title(title)
    ax.legend()
    return fig


def confusion_matrix(
    matrix: Sequence[Sequence[int]], labels: Sequence[int], *, title: str = ""
) -> Figure:
    """Confusion matrix (rows: true class, columns: predicted), counts and row fractions."""
    fig, ax = _figure(5.5, 4.8)
    counts = np.asarray(matrix, dtype=float)
    rows = counts.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.where(rows > 0, counts / np.maximum(rows, 1), 0.0)
    image = ax.imshow(fraction, cmap="Blues", vmin=0, vmax=1)
    fig.colorbar(image, ax=ax, label="fraction of true class")
    names = [CLASS_LABELS.get(int(c), str(c)) for c in labels]
    ax.set_xticks(range(len(names)), names)
    ax.set_yticks(range(len(names)), names)
    for i in range(counts.shape[0]):
        for j in range(counts.shape[1]):
            ax.text(
                j,
                i,
                f"{int(counts[i, j])}",
                ha="center",
                va="center",
                color="white" if fraction[i, j] > 0.5 else "black",
            )
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title)
    return fig


def reliability_diagram(
    curve: Mapping[str, Sequence[float]],
    *,
    title: str = "",
    per_class: Mapping[str, Mapping[str, Any]] | None = None,
) -> Figure:
    """Accuracy against mean confidence per confidence bin (calibration), marker area by count.

    ``per_class`` (``classification.per_class`` of a score file) adds each class's
    one-vs-rest curve: the fraction of members against the mean class probability,
    labelled with its calibration error.
    """
    fig, ax = _figure(5.5, 5.0)
    confidence = np.asarray(curve.get("confidence", []), dtype=float)
    accuracy = np.asarray(curve.get("accuracy", []), dtype=float)
    count = np.asarray(curve.get("count", []), dtype=float)
    ax.plot([0, 1], [0, 1], color="gray", ls="--", label="perfectly calibrated")
    ax.plot(confidence, accuracy, "C0-")
    sizes = 20 + 200 * count / count.max() if count.size and count.max() > 0 else 20
    ax.scatter(
        confidence, accuracy, s=sizes, color="C0", zorder=3, label="top class (area: sources)"
    )
    for index, (name, entry) in enumerate((per_class or {}).items(), start=1):
        one = entry.get("reliability") or {}
        if not one.get("probability"):
            continue
        error = entry.get("calibration_error")
        ax.plot(
            one["probability"],
            one["fraction"],
            f"C{index}.:",
            label=f"{name} vs rest (ECE {error:.3f})" if error is not None else name,
        )
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("mean probability (top class, or the class)")
    ax.set_ylabel("accuracy (top class), fraction of members (class)")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8)
    return fig


def population_counts(population: Mapping[str, Any], *, title: str = "") -> Figure:
    """Class counts per bin of flux, S/N and beam response: true, hard labels, summed p.

    ``population`` is ``classification.population`` of a score file
    (:func:`sdc1.class_counts.population_counts`); the primary-beam panel is
    drawn where it has one. Error bars are the summed probabilities' 1-sigma
    uncertainties.
    """
    parts = [("flux", "flux bin (Jy)"), ("snr", "peak S/N bin")]
    if population.get("pb_response"):
        parts.append(("pb_response", "primary-beam response bin"))
    fig = Figure(figsize=(5.0 * len(parts), 5.5), layout="constrained")
    axes = fig.subplots(1, len(parts), sharey=True)
    for ax, (part, label) in zip(axes, parts):
        bins = (population.get(part) or {}).get("bins") or []
        if not any(b["n"] for b in bins):
            _no_data(ax, "no judged sources")
            continue
        x = np.arange(len(bins))
        for index, name in enumerate(("ss_agn", "fs_agn", "sfg")):
            offset = (index - 1) * 0.22
            true = [b[name]["true"] for b in bins]
            hard = [b[name]["hard"] for b in bins]
            expected = [b[name]["expected"] for b in bins]
            sigma = [b[name]["sigma"] for b in bins]
            colour = f"C{index}"
            ax.plot(x + offset, true, "o", color=colour, mfc="none", label=f"{name}: true")
            ax.plot(x + offset, hard, "x", color=colour, label=f"{name}: hard labels")
            ax.errorbar(
                x + offset,
                expected,
                yerr=sigma,
                fmt="s",
                color=colour,
                ms=4,
                label=f"{name}: summed probabilities",
            )
        edges = [
            f"{b['lo']:.3g}-{'' if b['hi'] is None else format(b['hi'], '.3g')}" for b in bins
        ]
        ax.set_xticks(x, edges, rotation=30, ha="right", fontsize=8)
        ax.set_xlabel(label)
        ax.set_yscale("symlog", linthresh=1)
    axes[0].set_ylabel("sources")
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, fontsize=7, ncol=3, loc="outside lower center")
    fig.suptitle(title)
    return fig


def feature_importances(
    importances: Mapping[str, float], *, top: int = 15, title: str = ""
) -> Figure:
    """Horizontal bar chart of the ``top`` most important features."""
    items = sorted(importances.items(), key=lambda kv: -kv[1])[:top]
    fig, ax = _figure(6.0, 0.3 * max(len(items), 3) + 1.5)
    names = [k for k, _ in items][::-1]
    values = [v for _, v in items][::-1]
    ax.barh(range(len(names)), values, color="C2")
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("mean impurity importance")
    ax.set_title(title)
    return fig


def nearest_alpha(features: pd.DataFrame, frequencies: Sequence[int]) -> pd.Series:
    """Each row's spectral index to the nearest other frequency that has one (NaN where none)."""
    alpha = pd.Series(np.nan, index=features.index)
    for freq, rows in features.groupby("freq").groups.items():
        others = sorted((f for f in frequencies if f != freq), key=lambda f: abs(np.log(f / freq)))
        for other in others:
            column = f"alpha_{other}"
            if column in features:
                missing = alpha.loc[rows].isna()
                alpha.loc[rows[missing.to_numpy()]] = features.loc[
                    rows[missing.to_numpy()], column
                ]
    return alpha


def spectral_index_by_class(table: pd.DataFrame, *, title: str = "") -> Figure:
    """Spectral-index histograms per predicted class, one panel per frequency.

    ``table`` has columns ``freq``, ``alpha`` and ``class``.
    """
    freqs = sorted(table["freq"].unique()) if len(table) else []
    fig = Figure(figsize=(4.0 * max(len(freqs), 1), 4.0), layout="constrained")
    axes = fig.subplots(1, max(len(freqs), 1), sharey=False, squeeze=False)[0]
    bins = np.linspace(-2.5, 1.5, 33)
    for ax, freq in zip(axes, freqs):
        rows = table[(table["freq"] == freq) & table["alpha"].notna()]
        for c, label in CLASS_LABELS.items():
            values = rows.loc[rows["class"] == c, "alpha"].clip(bins[0], bins[-1])
            if len(values):
                ax.hist(
                    values,
                    bins=bins,
                    histtype="step",
                    lw=1.5,
                    color=CLASS_COLOURS[c],
                    density=True,
                    label=f"{label} ({len(values)})",
                )
        ax.set_title(f"{int(freq)} MHz")
        ax.set_xlabel("spectral index alpha")
        ax.legend(fontsize="small")
    axes[0].set_ylabel("density")
    if title:
        fig.suptitle(title)
    return fig
