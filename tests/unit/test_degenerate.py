"""Degenerate inputs at the unit level: no sources, no labels, no noise, killed writers."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from astropy.io import fits

from sdc1.catalogue import to_sdc1
from sdc1.classify import CLASSES, ClassifierSettings
from sdc1.errors import InputError
from sdc1.io import SDC1_COLUMNS, write_json
from sdc1.model import Fallback, FeatureSetModel, TrainedModel, fallback_reason, train_frequency
from sdc1.score import score_frequency
from sdc1.validate import check_background_rms

# --------------------------------------------------------------------------- killed writers

WRITER = textwrap.dedent(
    """
    import sys, time
    from sdc1.io import atomic_path
    with atomic_path(sys.argv[1]) as tmp:
        with open(tmp, "wb") as handle:
            handle.write(b"half" * 1000)
            handle.flush()
            print(tmp, flush=True)
            time.sleep(60)
    """
)


def kill_mid_write(path: Path) -> Path:
    """Start a writer of ``path``, SIGKILL it mid-write; return its temporary file."""
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        tmp = Path(writer.stdout.readline().strip())
        assert tmp.stat().st_size == 4000  # the write is under way
    finally:
        writer.kill()
        writer.wait()
    return tmp


def test_killed_writer_leaves_nothing_under_the_final_name(tmp_path: Path) -> None:
    final = tmp_path / "out" / "catalogue.csv"
    tmp = kill_mid_write(final)
    assert not final.exists()
    assert (
        tmp.parent == final.parent
        and tmp.name.startswith(".catalogue.csv.")
        and tmp.suffix == ".part"
    )


def test_killed_rewrite_keeps_the_previous_complete_file(tmp_path: Path) -> None:
    final = tmp_path / "scores.json"
    write_json({"score": 1.0}, final)
    kill_mid_write(final)
    assert json.loads(final.read_text()) == {"score": 1.0}


# --------------------------------------------------------------------------- no noise


def test_background_rms_zero_everywhere_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"^img\.fits: background rms is zero everywhere"):
        check_background_rms(np.zeros((3, 4)), "img.fits")
    with pytest.raises(InputError, match="img.fits"):
        check_background_rms(np.full((3, 4), np.nan), "img.fits")


def test_background_rms_partly_zero_or_blank_passes() -> None:
    rms = np.array([[0.0, np.nan], [4e-7, 0.0]])
    check_background_rms(rms, "img.fits")


# --------------------------------------------------------------------------- no labels


def test_fallback_reason_without_labels() -> None:
    assert (
        fallback_reason(np.array([]), 1400, 3)
        == "no labelled sources in the 1400 MHz training area"
    )
    assert (
        fallback_reason(np.array([np.nan, np.nan]), 560, 3)
        == "no labelled sources in the 560 MHz training area"
    )


def test_fallback_reason_with_too_few_classes() -> None:
    reason = fallback_reason(pd.Series([3.0] * 60 + [1.0, 1.0]), 560, 3)
    assert reason.startswith("62 labelled sources in the 560 MHz training area (ss_agn 2, sfg 60)")
    assert "at least 3 members" in reason


def sources_table(n: int, in_training_area: bool, labelled: bool) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame(
        {
            "id": np.arange(n),
            "freq": 1400,
            "ra_core": rng.uniform(-0.35, -0.32, n),
            "dec_core": rng.uniform(-29.69, -29.66, n),
            "log_flux": rng.normal(-5, 0.5, n),
            "true_class": rng.choice([1.0, 3.0], n) if labelled else np.nan,
            "in_training_area": in_training_area,
        }
    )


@pytest.mark.parametrize("n", [0, 30])
def test_no_training_sources_gives_no_model_and_all_sfg(n: int) -> None:
    # Matched to truth, but outside the training area: nothing may train.
    table = sources_table(n, in_training_area=False, labelled=True)
    model, probabilities = train_frequency(
        table, 1400, ClassifierSettings(features="single", n_estimators=10)
    )
    assert model.feature_sets["single"].model is None and model.n_labelled == 0
    assert model.fallback == Fallback(3, "no labelled sources in the 1400 MHz training area")
    assert len(probabilities) == n
    assert (probabilities["p3_single"] == 1.0).all()


# --------------------------------------------------------------------------- no sources


def test_empty_pybdsf_lists_give_an_empty_catalogue() -> None:
    header = fits.Header({"BMAJ": 4.1667e-4, "BMIN": 4.1667e-4})
    sources = pd.DataFrame(
        {"n_gaussians": pd.Series(dtype=np.int64)}
    )  # find_sources' empty result
    catalogue = to_sdc1(
        sources, pd.DataFrame(), header, negated=pd.DataFrame(), snr_floor=3.0, match_value=0.8
    )
    assert len(catalogue) == 0 and list(catalogue.columns[: len(SDC1_COLUMNS)]) == list(
        SDC1_COLUMNS
    )


def empty_predictions() -> pd.DataFrame:
    columns = {c: pd.Series(dtype=float) for c in SDC1_COLUMNS}
    for feature_set in ("multi", "single"):
        columns[f"class_{feature_set}"] = pd.Series(dtype=int)
        for c in CLASSES:
            columns[f"p{c}_{feature_set}"] = pd.Series(dtype=float)
    return pd.DataFrame(columns)


def test_evaluation_without_sources_scores_zero_and_reports_the_fallback(tmp_path: Path) -> None:
    truth = pd.DataFrame(
        [[0, -0.33, -29.67, -0.33, -29.67, 1e-5, 0.0, 1.0, 0.5, 10.0, 2, 3]],
        columns=list(SDC1_COLUMNS),
    )
    labels = pd.DataFrame(
        {
            "id": pd.Series(dtype=int),
            "true_class": pd.Series(dtype=float),
            "in_training_area": pd.Series(dtype=bool),
        }
    )
    fallback = Fallback(3, "no labelled sources in the 9200 MHz training area")
    empty = FeatureSetModel(None, [], {}, [1.0, 1.0, 1.0])
    model = TrainedModel(9200, "multi", {"multi": empty, "single": empty}, 0, fallback)
    result = score_frequency(
        empty_predictions(), labels, truth, 9200, model, whole_image_training=False
    )
    assert (result["score"], result["n_det"], result["n_false"]) == (0.0, 0, 0)
    assert result["classification"]["fallback"] == {"class": 3, "reason": fallback.reason}
    assert (
        result["classification"]["macro_f1"] is None and result["classification"]["n_sources"] == 0
    )
    assert result["baselines"]["all_sfg"]["score"] == 0.0
    write_json(result, tmp_path / "scores.json")  # strict JSON: no NaN anywhere
