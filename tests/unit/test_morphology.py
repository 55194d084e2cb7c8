"""Morphology tags: the rules on constructed Gaussian lists, and `sdc1 query`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sdc1.cli import main
from sdc1.errors import InputError
from sdc1.morphology import (
    TAGS,
    TRUTH_TAGS,
    TagThresholds,
    add_morphology,
    select,
    tag_agreement,
    tag_table,
    truth_tags,
)

BEAM = 1.5  # arcsec
ARCSEC = 1.0 / 3600.0


def source(source_id: int, **values) -> dict:
    """A catalogue row: unresolved, single, S/N 50, centroid on the peak."""
    row = {
        "source_id": source_id,
        "ra_core": 0.0,
        "dec_core": -30.0 + source_id * 60 * ARCSEC,
        "n_gaussians": 1,
        "dc_maj": 0.0,
        "dc_min": 0.0,
        "snr": 50.0,
        "peak_flux": 1.0,
        "total_flux": 1.0,
    }
    row.update(values)
    row.setdefault("ra_cent", row["ra_core"])
    row.setdefault("dec_cent", row["dec_core"])
    return row


def gaussians_of(source_id: int, dec: float, offsets_beams: list[float], fluxes: list[float]):
    return [
        {
            "Source_id": source_id,
            "RA": 0.0,
            "DEC": dec + off * BEAM * ARCSEC,
            "Total_flux": flux,
        }
        for off, flux in zip(offsets_beams, fluxes)
    ]


def constructed() -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = [
        source(0),  # compact
        source(
            1, n_gaussians=2, dc_maj=3 * BEAM, dc_min=0.5 * BEAM
        ),  # double, extended, elongated
        source(2, n_gaussians=3, dc_maj=2 * BEAM, dc_min=1.5 * BEAM),  # multi, core-dominated
        source(3, snr=5.0, peak_flux=0.2),  # faint, diffuse
        source(4, snr=500.0),  # bright
        source(5, n_gaussians=2, dc_maj=0.8 * BEAM, dc_min=0.7 * BEAM),  # close pair: not double
    ]
    catalogue = pd.DataFrame(rows)
    # Source 1's centroid sits 1.5 beams from its peak: asymmetric.
    catalogue.loc[1, "dec_cent"] = catalogue.loc[1, "dec_core"] + 1.5 * BEAM * ARCSEC
    dec = catalogue["dec_core"].to_numpy()
    gaussians = pd.DataFrame(
        gaussians_of(0, dec[0], [0.0], [1.0])
        + gaussians_of(1, dec[1], [0.0, 3.0], [1.0, 1.0])
        + gaussians_of(2, dec[2], [0.0, 0.5, 1.0], [8.0, 1.0, 1.0])
        + gaussians_of(3, dec[3], [0.0], [1.0])
        + gaussians_of(4, dec[4], [0.0], [1.0])
        + gaussians_of(5, dec[5], [0.0, 0.4], [1.0, 1.0])
    )
    return catalogue, gaussians


def test_each_rule_tags_the_source_built_for_it() -> None:
    catalogue, gaussians = constructed()
    tagged = add_morphology(catalogue, gaussians, BEAM, TagThresholds())
    tags = tagged["tags"].str.split(",").map(set).tolist()
    assert tags[0] == {"compact"}
    assert tags[1] == {"double", "extended", "elongated", "asymmetric"}
    assert tags[2] == {"multi-component", "core-dominated", "extended"}
    assert tags[3] == {"compact", "faint", "diffuse"}
    assert tags[4] == {"compact", "bright"}
    assert "double" not in tags[5]
    assert tagged.loc[1, "max_separation_beams"] == pytest.approx(3.0, rel=1e-3)
    assert tagged.loc[2, "brightest_share"] == pytest.approx(0.8)
    assert tagged.loc[2, "component_flux_ratio"] == pytest.approx(8.0)
    assert np.isnan(tagged.loc[0, "component_flux_ratio"])
    # Thresholds come from the config: a wider pair limit makes source 5 a double.
    wider = add_morphology(catalogue, gaussians, BEAM, {"separation_beams": 0.3})
    assert "double" in wider.loc[5, "tags"].split(",")


def test_select_evaluates_tag_expressions() -> None:
    catalogue, gaussians = constructed()
    tagged = add_morphology(catalogue, gaussians, BEAM)
    assert list(select(tagged, "double & extended & ~faint")["source_id"]) == [1]
    assert list(select(tagged, "bright | faint")["source_id"]) == [3, 4]
    assert list(select(tagged, "compact & ~(faint | bright)")["source_id"]) == [0]
    assert list(select(tagged, "multi-component")["source_id"]) == [2]
    assert set(tag_table(tagged).columns) == set(TAGS)


@pytest.mark.parametrize(
    "expression, message",
    [
        ("double & round", "unknown tag 'round'"),
        ("double + faint", r"unexpected '\+ faint'"),
        ("", "empty"),
    ],
)
def test_bad_tag_expressions_are_refused_in_one_line(expression, message) -> None:
    catalogue, gaussians = constructed()
    with pytest.raises(InputError, match=message):
        select(add_morphology(catalogue, gaussians, BEAM), expression)


def test_query_command_writes_the_selection(tmp_path: Path, capsys) -> None:
    catalogue, gaussians = constructed()
    path = tmp_path / "catalogue.csv"
    add_morphology(catalogue, gaussians, BEAM).to_csv(path, index=False)
    out = tmp_path / "doubles.csv"
    assert main(["query", "double & ~faint", str(path), "--out", str(out)]) == 0
    assert list(pd.read_csv(out)["source_id"]) == [1]
    assert "1 of 6 sources" in capsys.readouterr().err
    assert main(["query", "double & round", str(path)]) == 2
    assert "unknown tag 'round'" in capsys.readouterr().err
    assert main(["query", "double", str(tmp_path / "missing.csv")]) == 2


def test_truth_tags_apply_the_rules_to_truth_sizes_core_fractions_and_fluxes() -> None:
    beam = 1.5
    truth = pd.DataFrame(
        {
            # A point-like SFG; an SFG whose 1.2" scale length is a 1.7" FWHM; an elongated
            # AGN lobe pair (LAS 3"); a faint core-dominated AGN.
            "b_maj": [0.3, 1.2, 3.0, 0.1],
            "b_min": [0.3, 1.0, 1.0, 0.1],
            "size": [3, 3, 1, 1],
            "core_frac": [0.0, 0.0, 0.1, 0.9],
            "flux": [1e-3, 5e-5, 2e-4, 5e-6],
        }
    )
    rms = np.full(4, 1e-6)
    tags = truth_tags(truth, rms, beam, TagThresholds())
    assert list(tags.columns) == list(TRUTH_TAGS)
    assert tags["compact"].tolist() == [True, False, False, True]
    assert tags["extended"].tolist() == [False, True, True, False]  # 1.2 * sqrt(2) > 1.5
    assert tags["elongated"].tolist() == [False, False, True, False]
    assert tags["core-dominated"].tolist() == [False, False, False, True]
    assert tags["faint"].tolist() == [False, False, False, True]
    assert tags["bright"].tolist() == [True, False, True, False]


def test_tag_agreement_counts_and_kappa_on_a_known_table() -> None:
    truth = pd.DataFrame({"compact": [True] * 5 + [False] * 5, "bright": [False] * 10})
    measured = pd.DataFrame({"compact": [True] * 4 + [False] * 5 + [True], "bright": [False] * 10})
    out = tag_agreement(measured, truth)
    compact = out["compact"]
    assert (compact["n"], compact["n_measured"], compact["n_truth"]) == (10, 5, 5)
    assert compact["agreement"] == 0.8 and compact["kappa"] == 0.6  # (0.8 - 0.5) / 0.5
    assert compact["precision"] == 0.8 and compact["recall"] == 0.8
    # Nobody tagged on either side: agreement total, kappa and precision undefined.
    assert out["bright"]["agreement"] == 1.0 and out["bright"]["kappa"] is None
    assert out["bright"]["precision"] is None
