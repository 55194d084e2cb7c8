"""Catalogues for astronomers' tools: FITS, VOTable and ECSV read back with units, UCDs and errors,
checked by STILTS (Debian's `stilts`, as TOPCAT users have it), and DS9 regions written by
astropy-regions and parsed back by it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from astropy.table import Table
from regions import Regions

from sdc1.export import CLASS_COLOURS, COLUMNS, write_catalogue_files


def predictions(n: int = 5) -> pd.DataFrame:
    """A `predict` table: catalogue columns, classes and both feature sets' probabilities."""
    rng = np.random.default_rng(2)
    probs = rng.dirichlet([1, 1, 1], n)
    frame = pd.DataFrame(
        {
            "id": np.arange(n),
            "ra_core": rng.uniform(-0.1, 0.1, n),
            "dec_core": rng.uniform(-30.1, -29.9, n),
            "flux": rng.uniform(1e-6, 1e-3, n),
            "b_maj": rng.uniform(0.5, 3, n),
            "b_min": rng.uniform(0.1, 0.5, n),
            "pa": rng.uniform(0, 180, n),
            "size": 2,
            "class": [1, 2, 3, 3, 3][:n],
            "snr": rng.uniform(5, 50, n),
            "reliability": rng.uniform(0.6, 1, n),
            "pb_response": rng.uniform(0.3, 1, n),
            # A CSV round trip reads a source without tags as NaN.
            "tags": ["double,extended", np.nan, "compact", "compact,faint", "bright"][:n],
            "maj_raw": rng.uniform(1.5, 4, n),
            "min_raw": rng.uniform(1.5, 2, n),
            "pa_raw": rng.uniform(0, 180, n),
            "pa_error": rng.uniform(1, 10, n),
            "e_maj_raw": rng.uniform(0.1, 0.3, n),
            "e_min_raw": rng.uniform(0.1, 0.3, n),
            "e_ra_core": rng.uniform(0.01, 0.1, n),
            "e_dec_core": rng.uniform(0.01, 0.1, n),
            "e_ra_cent": rng.uniform(0.01, 0.1, n),
            "e_dec_cent": rng.uniform(0.01, 0.1, n),
            "peak_flux": rng.uniform(1e-6, 1e-4, n),
            "e_peak_flux": rng.uniform(1e-7, 1e-6, n),
            "isl_rms": rng.uniform(1e-7, 1e-6, n),
        }
    )
    # PyBDSF's flux before calibration and its error: calibration scaled the flux by 1.25.
    frame["total_flux"] = frame["flux"] / 1.25
    frame["e_total_flux"] = frame["total_flux"] * 0.1
    frame["ra_cent"], frame["dec_cent"], frame["core_frac"] = frame.ra_core, frame.dec_core, 0.0
    for code in (1, 2, 3):
        frame[f"p{code}_multi"] = probs[:, code - 1]
        frame[f"p{code}_single"] = 1 / 3
    return frame


@pytest.fixture
def exported(tmp_path: Path) -> dict[str, Path]:
    paths = {
        "fits_path": tmp_path / "560mhz.fits",
        "votable_path": tmp_path / "560mhz.vot",
        "ecsv_path": tmp_path / "560mhz.ecsv",
        "regions_path": tmp_path / "560mhz.reg",
    }
    write_catalogue_files(predictions(), "multi", 560, **paths)
    return paths


def test_fits_and_votable_carry_units_ucds_and_the_primary_probabilities(exported) -> None:
    table = Table.read(exported["votable_path"])
    assert len(table) == 5
    assert str(table["ra_core"].unit) == "deg" and str(table["flux"].unit) == "Jy"
    assert table["ra_core"].meta["ucd"] == "pos.eq.ra;meta.main"
    assert table["p_sfg"].meta["ucd"] == "stat.probability"
    expected = predictions()
    np.testing.assert_allclose(table["p_ss_agn"], expected["p1_multi"])
    assert list(table["class"]) == [1, 2, 3, 3, 3]
    fits_table = Table.read(exported["fits_path"])
    assert fits_table.colnames == list(COLUMNS)
    assert str(fits_table["b_maj"].unit) == "arcsec"
    np.testing.assert_allclose(fits_table["flux"], expected["flux"])
    assert list(table["tags"]) == ["double,extended", "", "compact", "compact,faint", "bright"]
    assert list(fits_table["tags"])[0] == "double,extended"


def test_an_empty_catalogue_gives_empty_files(tmp_path: Path) -> None:
    # As read back from an empty predictions CSV: the columns, untyped, and no rows.
    empty = predictions().iloc[:0].astype(object)
    paths = {
        "fits_path": tmp_path / "e.fits",
        "votable_path": tmp_path / "e.vot",
        "ecsv_path": tmp_path / "e.ecsv",
        "regions_path": tmp_path / "e.reg",
    }
    write_catalogue_files(empty, "multi", 9200, **paths)
    assert len(Table.read(paths["fits_path"])) == 0
    assert len(Table.read(paths["votable_path"])) == 0
    assert len(Table.read(paths["ecsv_path"])) == 0
    assert paths["regions_path"].read_text().splitlines()[-1] == "icrs"
    assert len(Regions.read(paths["regions_path"], format="ds9")) == 0


def test_every_measured_value_has_its_error_with_the_same_unit(exported) -> None:
    table = Table.read(exported["ecsv_path"])
    expected = predictions()
    for value, error in [
        ("ra_core", "e_ra_core"),
        ("flux", "e_flux"),
        ("peak_flux", "e_peak_flux"),
        ("total_flux", "e_total_flux"),
        ("maj_raw", "e_maj_raw"),
        ("pa_raw", "e_pa_raw"),
    ]:
        assert table[error].meta["ucd"].startswith("stat.error;"), error
        assert table[error].unit is not None, error
        if value != "ra_core":
            assert table[error].unit == table[value].unit, error
    # The calibrated flux keeps PyBDSF's relative error.
    np.testing.assert_allclose(table["e_flux"], expected["flux"] * 0.1)
    np.testing.assert_allclose(table["e_pa_raw"], expected["pa_error"])
    assert str(table["isl_rms"].unit) == "Jy / beam"
    # pandas reads the same file as a CSV.
    frame = pd.read_csv(exported["ecsv_path"], comment="#", sep=" ")
    np.testing.assert_allclose(frame["flux"], expected["flux"])


def test_ds9_regions_parse_with_one_coloured_ellipse_per_source(exported) -> None:
    parsed = Regions.read(exported["regions_path"], format="ds9")
    assert len(parsed) == 5
    expected = predictions()
    first = parsed[0]
    assert first.center.ra.deg == pytest.approx(expected.ra_core[0] % 360, abs=1e-6)
    # Semi-axes in the file: the FWHM halved.
    assert first.width.to_value("arcsec") == pytest.approx(expected.maj_raw[0], abs=2e-3)
    assert [r.visual["edgecolor"] for r in parsed] == [CLASS_COLOURS[c] for c in expected["class"]]
    assert [r.meta["text"] for r in parsed] == list(expected["id"])


def stilts(*args: str) -> subprocess.CompletedProcess:
    if shutil.which("stilts") is None:
        if os.environ.get("STILTS_TESTS_REQUIRED") == "1":
            pytest.fail("stilts not found (apt-get install stilts)", pytrace=False)
        pytest.skip("stilts not found (apt-get install stilts)")
    return subprocess.run(["stilts", *args], capture_output=True, text=True, timeout=120)


def test_stilts_validates_the_votable_and_reads_both_tables(exported) -> None:
    lint = stilts("votlint", f"votable={exported['votable_path']}")
    assert lint.returncode == 0 and lint.stdout.strip() == "", lint.stdout + lint.stderr
    for key in ("fits_path", "votable_path", "ecsv_path"):
        count = stilts("tpipe", f"in={exported[key]}", "omode=count")
        assert count.returncode == 0, count.stderr
        assert "rows: 5" in count.stdout, count.stdout
        meta = stilts("tpipe", f"in={exported[key]}", "omode=meta")
        assert "ra_core" in meta.stdout and "deg" in meta.stdout
