"""Report figures: each function returns a Figure whose axes hold the data it was given."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from sdc1 import plots


def has_data(fig: Figure) -> bool:
    return any(ax.lines or ax.collections or ax.images or ax.patches for ax in fig.axes)


def test_image_overlay_marks_sources_by_class() -> None:
    image = np.random.default_rng(0).normal(size=(20, 30))
    fig = plots.image_overlay(
        image, np.array([1.0, 5.0, 9.0]), np.array([2.0, 4.0, 6.0]), np.array([1, 3, 3])
    )
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.images and ax.images[0].get_array().shape == (20, 30)
    assert sum(len(c.get_offsets()) for c in ax.collections) == 3


def test_image_overlay_with_a_wcs_has_ra_dec_axes() -> None:
    from astropy.wcs import WCS

    from tests.helpers import sky_header

    image = np.random.default_rng(0).normal(size=(20, 30))
    wcs = WCS(sky_header(30, 20, pixel_arcsec=0.6))
    fig = plots.image_overlay(image, np.array([1.0]), np.array([2.0]), np.array([2]), wcs=wcs)
    ax = fig.axes[0]
    assert ax.coords[0].get_axislabel() == "Right ascension (ICRS)"
    assert ax.coords[1].coord_type == "latitude"
    fig.canvas.draw()  # the RA/Dec ticks and labels render


def test_source_counts_and_completeness() -> None:
    truth = 10 ** np.linspace(-6, -3, 50)
    detected = truth[25:]
    assert has_data(plots.source_counts(detected, truth))
    fig = plots.completeness_reliability(truth, np.arange(50) >= 25, detected, np.ones(25, bool))
    completeness = fig.axes[0].lines[0].get_ydata()
    assert np.nanmax(completeness) == pytest.approx(1.0) and np.nanmin(
        completeness
    ) == pytest.approx(0.0)


def test_flux_ratio_confusion_calibration_importances() -> None:
    snr = np.array([5.0, 10.0, 50.0, 100.0])
    assert has_data(plots.flux_ratio_vs_snr(snr, np.array([1.2, 1.0, 1.0, 0.9]), np.ones(4)))
    fig = plots.confusion_matrix([[1, 0, 2], [0, 3, 0], [1, 0, 9]], [1, 2, 3])
    assert fig.axes[0].images[0].get_array().shape == (3, 3)
    assert len(fig.axes[0].texts) == 9
    assert has_data(
        plots.reliability_diagram(
            {"confidence": [0.5, 0.9], "accuracy": [0.4, 0.95], "count": [3, 10]}
        )
    )
    fig = plots.feature_importances({"a": 0.5, "b": 0.3, "c": 0.2}, top=2)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["b", "a"]


def test_empty_inputs_still_draw() -> None:
    empty = np.zeros(0)
    assert isinstance(plots.source_counts(empty, empty), Figure)
    assert isinstance(plots.flux_ratio_vs_snr(empty, empty, empty), Figure)
    assert isinstance(plots.reliability_diagram({}), Figure)


def test_spectral_index_uses_nearest_frequency_and_plots_by_class() -> None:
    features = pd.DataFrame(
        {
            "freq": [560, 560, 1400],
            "id": [0, 1, 0],
            "alpha_1400": [-0.7, np.nan, np.nan],
            "alpha_9200": [0.0, 0.1, -1.0],
            "alpha_560": [np.nan, np.nan, -0.8],
        }
    )
    alpha = plots.nearest_alpha(features, [560, 1400, 9200])
    assert alpha.tolist() == pytest.approx([-0.7, 0.1, -0.8])
    table = features[["freq", "id"]].assign(alpha=alpha, **{"class": [1, 2, 3]})
    fig = plots.spectral_index_by_class(table)
    assert len(fig.axes) == 2 and all(ax.patches for ax in fig.axes)


@pytest.mark.parametrize(
    "draw",
    [
        lambda e: plots.image_overlay(np.zeros((10, 10)), e, e, e),
        lambda e: plots.source_counts(e, e),
        lambda e: plots.source_counts(e, np.array([1e-4, 2e-5])),
        lambda e: plots.completeness_reliability(e, e.astype(bool), e, e.astype(bool)),
        lambda e: plots.flux_ratio_vs_snr(e, e, e),
        lambda e: plots.confusion_matrix([[0, 0, 0]] * 3, [1, 2, 3]),
        lambda e: plots.reliability_diagram({}),
        lambda e: plots.feature_importances({}),
        lambda e: plots.spectral_index_by_class(
            pd.DataFrame({"freq": [], "alpha": [], "class": []})
        ),
    ],
    ids=[
        "image",
        "counts",
        "counts_no_detections",
        "completeness",
        "flux_ratio",
        "confusion",
        "calibration",
        "importances",
        "spectral_index",
    ],
)
def test_figures_of_an_image_without_detections_still_render(draw) -> None:
    # A sparse frequency (a small 9200 MHz field) may have no detections or matches at all.
    import io

    fig = draw(np.array([]))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    assert buffer.getvalue().startswith(b"\x89PNG")


def test_population_counts_figure_has_a_panel_per_binning() -> None:
    from sdc1.class_counts import population_counts

    rng = np.random.default_rng(0)
    true = rng.choice([1, 2, 3], 200, p=[0.1, 0.1, 0.8])
    probs = np.eye(3)[true - 1] * 0.8 + 0.2 / 3
    population = population_counts(
        true, true, probs, rng.uniform(1e-6, 1e-3, 200), rng.uniform(3, 80, 200)
    )
    fig = plots.population_counts(population, title="560 MHz")
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    with_beam = population_counts(
        true,
        true,
        probs,
        rng.uniform(1e-6, 1e-3, 200),
        rng.uniform(3, 80, 200),
        rng.uniform(0.5, 1.0, 200),
    )
    assert len(plots.population_counts(with_beam, title="560 MHz").axes) == 3
    # Per class: true and hard-label markers, and the summed probabilities with error bars.
    assert len(fig.axes[0].lines) >= 6
    empty = plots.population_counts({}, title="nothing")
    assert [t.get_text() for t in empty.axes[0].texts] == ["no judged sources"]
