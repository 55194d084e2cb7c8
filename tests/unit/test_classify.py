"""Classifier, out-of-fold predictions and imbalanced-class metrics on synthetic features."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sdc1.classify import (
    ClassifierSettings,
    TrainingExtras,
    classification_metrics,
    expected_calibration_error,
    fit_classifier,
    group_folds,
    importance_weights,
    macro_f1_weights,
    nested_decision_weights,
    out_of_fold_probabilities,
    predict_classes,
    spatial_groups,
    train_and_predict,
)
from sdc1.model import predictions_for, train_frequency


def labelled_table(n: int = 600, seed: int = 0) -> pd.DataFrame:
    """SFG-dominated sources whose 560-1400 spectral index separates the classes."""
    rng = np.random.default_rng(seed)
    true = rng.choice([1, 2, 3], size=n, p=[0.1, 0.1, 0.8])
    alpha = np.select(
        [true == 1, true == 2],
        [rng.normal(-0.3, 0.1, n), rng.normal(0.1, 0.1, n)],
        rng.normal(-0.77, 0.04, n),
    )
    alpha[rng.random(n) < 0.1] = np.nan  # some sources without a counterpart
    table = pd.DataFrame(
        {
            "id": np.arange(n),
            "ra_core": rng.uniform(-0.5, 0.5, n),
            "dec_core": rng.uniform(-30.2, -29.8, n),
            "log_flux": rng.normal(-5, 0.5, n),
            "alpha_1400": alpha,
            "has_match_1400": np.isfinite(alpha) * 1.0,
            "observed_1400": np.ones(n),
        }
    )
    table["true_class"] = true.astype(float)
    table["in_training_area"] = table["ra_core"] < 0
    return table


def test_metrics_on_known_confusion() -> None:
    true = np.array([1, 1, 2, 3, 3, 3])
    pred = np.array([1, 3, 2, 3, 3, 1])
    m = classification_metrics(true, pred)
    assert m["per_class"]["ss_agn"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert m["per_class"]["fs_agn"]["f1"] == 1.0
    assert m["macro_f1"] == pytest.approx((0.5 + 1.0 + 2 * (2 / 3) * (2 / 3) / (4 / 3)) / 3)
    assert m["confusion_matrix"]["matrix"] == [[1, 0, 1], [0, 1, 0], [1, 0, 2]]


def test_ece_zero_for_perfect_confident_predictions() -> None:
    probs = np.eye(3)[[0, 1, 2, 2]]
    assert expected_calibration_error(probs, np.array([1, 2, 3, 3])) == 0.0
    assert expected_calibration_error(probs, np.array([3, 2, 3, 3])) == pytest.approx(0.25)


def test_spatial_groups_are_sky_blocks() -> None:
    groups = spatial_groups(np.array([0.0, 0.1, 0.9, 1.0]), np.array([0.0, 0.0, 1.0, 1.0]), 2)
    assert groups[0] == groups[1] != groups[2] == groups[3]


def test_spectral_index_model_beats_single_frequency_and_is_deterministic() -> None:
    table = labelled_table()
    settings = ClassifierSettings(n_estimators=60, features="multi", seed=1, n_folds=3)
    model, probs = train_frequency(table, 560, settings)
    assert model.n_labelled == int((table["in_training_area"]).sum())
    outside = ~table["in_training_area"].to_numpy()
    true = table.loc[outside, "true_class"].to_numpy(int)
    multi = predict_classes(probs.loc[outside, ["p1_multi", "p2_multi", "p3_multi"]].to_numpy())
    single = predict_classes(
        probs.loc[outside, ["p1_single", "p2_single", "p3_single"]].to_numpy()
    )
    f1_multi = classification_metrics(true, multi)["macro_f1"]
    f1_single = classification_metrics(true, single)["macro_f1"]
    assert f1_multi > 0.8 and f1_multi > f1_single + 0.2
    assert model.feature_sets["multi"].importances["alpha_1400"] > 0.3
    # Out-of-fold rows are exactly the labelled training-area rows.
    assert probs["out_of_fold"].sum() == model.n_labelled
    _, again = train_frequency(table, 560, settings)
    pd.testing.assert_frame_equal(probs, again)


def test_no_labels_falls_back_to_sfg() -> None:
    table = labelled_table(50)
    table["true_class"] = np.nan
    model, probs = train_frequency(table, 560, ClassifierSettings(n_estimators=10))
    assert model.feature_sets["multi"].model is None
    assert (probs["p3_multi"] == 1).all()


def test_metrics_without_sources_are_undefined_not_zero() -> None:
    m = classification_metrics(np.array([], dtype=int), np.array([], dtype=int), np.zeros((0, 3)))
    assert m["macro_f1"] is None and m["expected_calibration_error"] is None
    assert m["n_sources"] == 0


def test_macro_f1_weights_find_the_rare_class_argmax_misses() -> None:
    # Class 1 is never the most probable, but its probability ranks its members first.
    rng = np.random.default_rng(5)
    labels = np.array([1] * 20 + [3] * 400)
    p1 = np.where(
        labels == 1, rng.uniform(0.25, 0.45, len(labels)), rng.uniform(0.0, 0.2, len(labels))
    )
    probs = np.column_stack([p1, np.zeros(len(labels)), 1 - p1])
    assert (predict_classes(probs) == 3).all()
    weights = macro_f1_weights(probs, labels)
    assert weights[0] > 1 and weights[2] == 1
    weighted = classification_metrics(labels, predict_classes(probs, weights))["macro_f1"]
    plain = classification_metrics(labels, predict_classes(probs))["macro_f1"]
    assert weighted == pytest.approx(1.0) and plain < 0.5
    # Nothing to learn from: plain argmax.
    assert macro_f1_weights(probs[:0], labels[:0]).tolist() == [1.0, 1.0, 1.0]


def test_decision_weights_reach_the_model_only_when_asked() -> None:
    table = labelled_table()
    for decision, expect_ones in (("argmax", True), ("macro_f1", None)):
        settings = ClassifierSettings(
            n_estimators=30, features="multi", seed=1, n_folds=3, decision=decision
        )
        model, _ = train_frequency(table, 560, settings)
        weights = model.feature_sets["multi"].decision_weights
        assert len(weights) == 3 and weights[2] == 1.0
        if expect_ones:
            assert weights == [1.0, 1.0, 1.0]


def test_metrics_by_snr_judges_each_floor_on_its_own_sources():
    from sdc1.score import metrics_by_snr

    true = np.array([1, 2, 3, 3, 1, 2, 3, 3])
    snr = np.array([5, 5, 5, 5, 30, 30, 30, 30])
    # Faint sources all wrong for the AGN, bright ones all right.
    predicted = np.array([3, 3, 3, 3, 1, 2, 3, 3])
    entries = metrics_by_snr(
        true, snr, {"multi": predicted, "single_frequency": np.full(8, 3)}, (0, 20, 100)
    )
    assert [e["min_snr"] for e in entries] == [0.0, 20.0, 100.0]
    assert [e["n_sources"] for e in entries] == [8, 4, 0]
    assert entries[1]["support"] == {"ss_agn": 1, "fs_agn": 1, "sfg": 2}
    assert entries[1]["multi"]["macro_f1"] == pytest.approx(1.0)
    assert entries[0]["multi"]["macro_f1"] == pytest.approx(np.mean([2 / 3, 2 / 3, 0.8]))
    assert entries[1]["single_frequency"]["f1"]["ss_agn"] == 0.0
    # Nothing above the floor: no macro F1 rather than a made-up one.
    assert entries[2]["multi"]["macro_f1"] is None


def test_nested_decision_weights_never_see_their_own_folds_labels() -> None:
    table = labelled_table(n=500, seed=3)
    features = table[["log_flux", "alpha_1400", "has_match_1400"]].fillna(-9.0)
    labels = table["true_class"].to_numpy(int)
    groups = spatial_groups(table["ra_core"], table["dec_core"], 4)
    settings = ClassifierSettings(n_estimators=20, seed=1, n_folds=4)
    weights = nested_decision_weights(features, labels, groups, settings)
    folds = group_folds(groups, 4, settings.seed)
    assert weights.shape == (len(labels), 3) and set(folds) == {0, 1, 2, 3}
    # Rows of one fold share their weights.
    for fold in range(4):
        assert len(np.unique(weights[folds == fold], axis=0)) == 1
    # Scrambling fold 0's labels leaves fold 0's weights as they were.
    scrambled = labels.copy()
    in_fold0 = folds == 0
    scrambled[in_fold0] = np.random.default_rng(0).permutation(labels[in_fold0])[::-1]
    scrambled[in_fold0] = np.where(scrambled[in_fold0] == 3, 1, 3)
    again = nested_decision_weights(features, scrambled, groups, settings)
    np.testing.assert_array_equal(again[in_fold0], weights[in_fold0])


def test_train_writes_each_rows_weights_and_predictions_use_them() -> None:
    table = labelled_table()
    settings = ClassifierSettings(n_estimators=20, seed=1, n_folds=3)
    model, probabilities = train_frequency(table, 560, settings)
    columns = [f"w{c}_multi" for c in (1, 2, 3)]
    weights = probabilities[columns].to_numpy()
    outside = ~probabilities["out_of_fold"].to_numpy(bool)
    # Sources outside the training area: the model's weights, tuned on every labelled source.
    np.testing.assert_array_equal(
        weights[outside], np.tile(model.feature_sets["multi"].decision_weights, (outside.sum(), 1))
    )
    classes, probs = predictions_for(probabilities, "multi", [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(classes, predict_classes(probs, weights))


def test_each_class_gets_its_own_calibration_error_and_curve() -> None:
    # SS-AGN probabilities of 0.5 where half are SS-AGN: calibrated. SFG probabilities of 0.9
    # where all are SFGs: 0.1 off.
    true = np.array([1, 3] * 10 + [3] * 20)
    probs = np.array([[0.5, 0.0, 0.5]] * 20 + [[0.1, 0.0, 0.9]] * 20)
    metrics = classification_metrics(true, predict_classes(probs), probs)
    ss_agn, sfg = metrics["per_class"]["ss_agn"], metrics["per_class"]["sfg"]
    assert ss_agn["calibration_error"] == pytest.approx(0.5 * 0.0 + 0.5 * 0.1)
    assert sfg["calibration_error"] == pytest.approx(0.5 * 0.0 + 0.5 * 0.1)
    assert ss_agn["reliability"]["count"] == [20, 20]
    assert metrics["per_class"]["fs_agn"]["calibration_error"] == pytest.approx(0.0)


def with_field_snr(table: pd.DataFrame) -> pd.DataFrame:
    """Give the sources an S/N: the field (outside the training area) twice as noisy."""
    table = table.copy()
    noise = np.where(table["in_training_area"], 1.0, 2.0)
    table["snr"] = 20.0 * np.exp(table["log_flux"] + 5.0) / noise
    return table


def test_importance_weights_favour_field_like_labelled_sources() -> None:
    table = with_field_snr(labelled_table(n=800, seed=4))
    labelled = table["in_training_area"].to_numpy(bool)
    weights = importance_weights(table, labelled)
    assert weights.shape == (labelled.sum(),)
    assert weights.mean() == pytest.approx(1.0, abs=0.05) and weights.min() >= 0.2
    # The field is fainter in S/N: faint labelled sources weigh more.
    snr = table.loc[labelled, "snr"].to_numpy()
    assert np.corrcoef(np.log(snr), weights)[0, 1] < -0.5
    # No field, no reweighting.
    everywhere = table.assign(in_training_area=True)
    np.testing.assert_array_equal(importance_weights(everywhere, np.ones(800, bool)), 1.0)


def test_self_training_learns_from_confident_unlabelled_sources() -> None:
    table = labelled_table(n=400, seed=5)
    features = table[["log_flux", "alpha_1400", "has_match_1400"]].fillna(-9.0)
    labels = table["true_class"].to_numpy(int)
    unlabelled = labelled_table(n=300, seed=6)[features.columns].fillna(-9.0)
    settings = ClassifierSettings(n_estimators=20, seed=1, self_training=0.9)
    plain = fit_classifier(features, labels, ClassifierSettings(n_estimators=20, seed=1))
    trained = fit_classifier(features, labels, settings, extras=TrainingExtras(None, unlabelled))
    x = unlabelled.to_numpy(float)
    assert not np.array_equal(plain.predict_proba(x), trained.predict_proba(x))
    # Without unlabelled sources the option changes nothing.
    alone = fit_classifier(features, labels, settings)
    np.testing.assert_array_equal(plain.predict_proba(x), alone.predict_proba(x))


@pytest.mark.parametrize(
    "options", [{"importance_weights": True}, {"self_training": 0.9}], ids=["importance", "self"]
)
def test_training_options_keep_each_folds_predictions_free_of_its_labels(options) -> None:
    table = with_field_snr(labelled_table(n=400, seed=7))
    settings = ClassifierSettings(n_estimators=10, seed=1, n_folds=3, **options)
    columns = ["log_flux", "alpha_1400", "has_match_1400"]
    table[columns] = table[columns].fillna(-9.0)
    fit = train_and_predict(table, columns, settings)
    groups = spatial_groups(
        table.loc[fit.labelled, "ra_core"], table.loc[fit.labelled, "dec_core"], 3
    )
    in_fold0 = np.zeros(len(table), bool)
    in_fold0[np.flatnonzero(fit.labelled)[group_folds(groups, 3, settings.seed) == 0]] = True
    scrambled = table.copy()
    scrambled.loc[in_fold0, "true_class"] = np.where(
        table.loc[in_fold0, "true_class"] == 3, 1.0, 3.0
    )
    again = train_and_predict(scrambled, columns, settings)
    for before, after in (
        (fit.probabilities, again.probabilities),
        (fit.row_weights, again.row_weights),
    ):
        np.testing.assert_array_equal(after[in_fold0], before[in_fold0])
    # Elsewhere the labels did reach the models.
    assert not np.array_equal(again.probabilities, fit.probabilities)


def test_sources_labelled_elsewhere_join_every_fit_and_are_never_judged() -> None:
    table = labelled_table(n=300, seed=8)
    columns = ["log_flux", "alpha_1400", "has_match_1400"]
    features = table[columns].fillna(-9.0)
    labels = table["true_class"].to_numpy(int)
    other = labelled_table(n=200, seed=9)
    other_features = other[columns].fillna(-9.0)
    other_labels = other["true_class"].to_numpy(int)
    settings = ClassifierSettings(n_estimators=20, seed=1)
    extras = TrainingExtras(elsewhere=(other_features, other_labels))
    # A fit with them is the fit on both sets of rows.
    together = fit_classifier(
        pd.concat([features, other_features]), np.concatenate([labels, other_labels]), settings
    )
    with_extras = fit_classifier(features, labels, settings, extras=extras)
    x = features.to_numpy(float)
    np.testing.assert_array_equal(with_extras.predict_proba(x), together.predict_proba(x))
    # They join each fold's fit too, and a fold's own labels still never reach its predictions.
    groups = spatial_groups(table["ra_core"], table["dec_core"], 3)
    settings = ClassifierSettings(n_estimators=10, seed=1, n_folds=3)
    probs = out_of_fold_probabilities(features, labels, groups, settings, extras=extras)
    assert not np.array_equal(probs, out_of_fold_probabilities(features, labels, groups, settings))
    fold0 = group_folds(groups, 3, settings.seed) == 0
    scrambled = np.where(fold0 & (labels == 3), 1, labels)
    again = out_of_fold_probabilities(features, scrambled, groups, settings, extras=extras)
    np.testing.assert_array_equal(again[fold0], probs[fold0])


def test_seeded_folds_deal_whole_blocks_and_differ_between_seeds() -> None:
    table = labelled_table(n=600, seed=4)
    groups = spatial_groups(table["ra_core"], table["dec_core"], 5)
    splits = {seed: group_folds(groups, 5, seed) for seed in (1, 2, 3)}
    for folds in splits.values():
        assert set(folds) == {0, 1, 2, 3, 4}
        # Whole blocks: every block lies in one fold.
        assert all(len(set(folds[groups == g])) == 1 for g in np.unique(groups))
    # The same seed, the same split; another seed, another split.
    np.testing.assert_array_equal(group_folds(groups, 5, 1), splits[1])
    assert not np.array_equal(splits[1], splits[2]) and not np.array_equal(splits[2], splits[3])
