"""A trained model reused on another dataset: its card, the checks before any job, apply_model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sdc1.classify import ClassifierSettings
from sdc1.errors import InputError
from sdc1.model import apply_model, predict_frequency, save_model, train_frequency
from sdc1.model_card import (
    check_model_folder,
    make_model_card,
    model_paths,
    needed_frequencies,
    read_model_card,
    write_model_card,
)
from tests.unit.test_classify import labelled_table

SETTINGS = ClassifierSettings(n_estimators=20, n_folds=3)


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory) -> Path:
    """A trained 560 MHz model and its card, as the train step writes them."""
    folder = tmp_path_factory.mktemp("model")
    model, _ = train_frequency(labelled_table(300), 560, SETTINGS)
    joblib_path, card_path = model_paths(folder, 560)
    save_model(model, joblib_path)
    card = make_model_card(
        model,
        dataset="synthetic",
        frequencies=[560, 1400],
        classifier={"n_estimators": 20, "features": "multi"},
        joblib_path=joblib_path,
    )
    write_model_card(card, card_path)
    return folder


def test_the_card_says_what_the_model_needs_and_how_it_was_made(model_folder: Path) -> None:
    card = read_model_card(model_paths(model_folder, 560)[1])
    assert card.freq == 560 and card.dataset == "synthetic" and card.primary == "multi"
    assert card.needs == {"multi": [1400], "single": []}
    assert "alpha_1400" in card.feature_sets["multi"]
    assert "alpha_1400" not in card.feature_sets["single"]
    assert card.classes == {"1": "ss_agn", "2": "fs_agn", "3": "sfg"}
    assert card.packages["scikit-learn"] != "not installed"
    assert len(card.joblib_sha256) == 64 and card.n_labelled > 0
    # JSON with sorted keys: the same model gives the same card, whatever the config's order.
    text = model_paths(model_folder, 560)[1].read_text()
    assert list(json.loads(text)) == sorted(json.loads(text))


def test_a_model_of_a_one_frequency_dataset_needs_no_counterparts(tmp_path: Path) -> None:
    model, _ = train_frequency(labelled_table(300), 560, SETTINGS)
    save_model(model, tmp_path / "560mhz.joblib")
    card = make_model_card(
        model,
        dataset="cutout",
        frequencies=[560],
        classifier={},
        joblib_path=tmp_path / "560mhz.joblib",
    )
    # Its features name 1400 MHz (never observed there): nothing to ask of a 560-only dataset.
    assert "alpha_1400" in card.feature_sets["multi"] and card.needs["multi"] == []


def test_needed_frequencies_reads_the_cross_frequency_suffixes() -> None:
    columns = ["log_flux", "alpha_1400", "has_match_9200", "snr"]
    assert needed_frequencies(columns, 560) == [1400, 9200]
    assert needed_frequencies(["log_flux"], 560) == []


def test_the_folder_check_passes_a_matching_dataset(model_folder: Path) -> None:
    cards = check_model_folder(model_folder, [560], "single")
    assert set(cards) == {560} and cards[560].dataset == "synthetic"


@pytest.mark.parametrize(
    ("frequencies", "feature_set", "message"),
    [
        ([560, 9200], "single", r"9200mhz.joblib: no 9200 MHz model"),
        ([560], "multi", r"reads counterparts at 1400 MHz, which this dataset lacks; set"),
    ],
)
def test_the_folder_check_refuses_a_mismatch_with_one_line(
    model_folder: Path, frequencies: list[int], feature_set: str, message: str
) -> None:
    with pytest.raises(InputError, match=message) as caught:
        check_model_folder(model_folder, frequencies, feature_set)
    assert "\n" not in str(caught.value)


def test_the_folder_check_refuses_a_model_that_is_not_its_cards(
    model_folder: Path, tmp_path: Path
) -> None:
    joblib_path, card_path = model_paths(model_folder, 560)
    for path in (joblib_path, card_path):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    with open(tmp_path / joblib_path.name, "ab") as handle:
        handle.write(b"\0")
    with pytest.raises(InputError, match="not the model of its card"):
        check_model_folder(tmp_path, [560], "single")
    (tmp_path / card_path.name).unlink()
    with pytest.raises(InputError, match="no model card"):
        check_model_folder(tmp_path, [560], "single")


def test_apply_model_classifies_another_dataset_with_all_three_classes(
    model_folder: Path,
) -> None:
    from sdc1.model import load_model

    model = load_model(model_paths(model_folder, 560)[0])
    # Another draw of the same populations, with no labels at all.
    other = labelled_table(400, seed=7).drop(columns=["true_class", "in_training_area"])
    applied, probabilities = apply_model(other, model, "multi", trained_on="synthetic")
    assert applied.trained_on == "synthetic" and applied.primary == "multi"
    assert list(applied.feature_sets) == ["multi", "single"]
    assert not probabilities["out_of_fold"].any()
    predictions = predict_frequency(other[["id", "ra_core", "dec_core"]], probabilities, applied)
    assert set(predictions["class"]) == {1, 2, 3}
    np.testing.assert_allclose(
        probabilities[["p1_multi", "p2_multi", "p3_multi"]].sum(axis=1), 1.0
    )
    # Without its counterparts, the multi-frequency classifier cannot run; the single one can.
    single_only = other.drop(columns=["alpha_1400", "has_match_1400", "observed_1400"])
    with pytest.raises(InputError, match="needs features this dataset lacks: alpha_1400"):
        apply_model(single_only, model, "multi", trained_on="synthetic")
    applied, probabilities = apply_model(single_only, model, "single", trained_on="synthetic")
    assert list(applied.feature_sets) == ["single"]
