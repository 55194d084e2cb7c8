"""Real Snakemake runs (real PyBDSF, real ska-sdc) on the small real SDC1 cutout."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from astropy.io import fits

from tests.conftest import REPO
from tests.workflow.conftest import snakemake

pytestmark = pytest.mark.workflow

SCORE_KEYS = {"score", "n_det", "n_match", "n_bad", "n_false", "acc_pc", "mean_attribute_scores"}
ATTRIBUTES = {"position", "flux", "b_maj", "b_min", "pa", "core_frac", "class"}


def planned_rules(dry_run_output: str) -> set[str]:
    """Rule names from the job-count table of a ``snakemake -n`` run."""
    table = dry_run_output.split("Job stats:")[-1].split("Reasons:")[0]
    rules = set(re.findall(r"^(\w+)\s+\d+\s*$", table, flags=re.MULTILINE))
    return rules - {"total"}


def reversed_keys(value):
    """``value`` with the keys of every mapping in reverse order, recursively."""
    if isinstance(value, dict):
        return {k: reversed_keys(v) for k, v in reversed(list(value.items()))}
    if isinstance(value, list):
        return [reversed_keys(v) for v in value]
    return value


def test_lint_is_clean(workflow_dir: Path) -> None:
    result = snakemake(workflow_dir, "--lint", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Congratulations" in result.stdout + result.stderr


def test_cutout_dag_runs_scores_and_reruns_only_what_changed(
    workflow_dir: Path, sdc1_sample: Path
) -> None:
    config = ["--config", "dataset=sdc1_cutout_small", f"mirror={sdc1_sample}"]
    snakemake(workflow_dir, "--cores", "2", *config)

    results = workflow_dir / "results" / "sdc1_cutout_small"
    score = json.loads((results / "scores" / "560mhz.json").read_text())
    assert SCORE_KEYS <= score.keys()
    assert ATTRIBUTES <= score["mean_attribute_scores"].keys()
    assert score["train_area"] is True
    assert score["n_det"] > 20 and score["n_match"] > 0.8 * score["n_det"]
    assert score["score"] > 0.4 * score["n_det"]
    # Every source kept is worth keeping: reliability x match_value > 1 - reliability.
    reliability = pd.read_csv(results / "catalogues" / "560mhz.csv")["reliability"]
    assert len(reliability) >= score["n_det"] and reliability.min() > 1 / 1.8
    assert 0 <= score["predicted_false"] <= score["n_det"]
    # Every headline figure carries its interval, and a fresh run falls within the
    # published ones (docs/headline.json, written by docs/benchmarks/headline.py).
    assert {"score", "n_false", "false_fraction", "macro_f1", "f1"} <= score["intervals"].keys()
    headline = json.loads((REPO / "docs" / "headline.json").read_text())
    published = headline["datasets"]["sdc1_cutout_small"]["frequencies"]["560"]
    fresh = {
        "score": score["score"],
        "n_false": score["n_false"],
        "false_fraction": score["n_false"] / score["n_det"],
        "macro_f1": score["classification"]["macro_f1"],
    }
    for name, value in fresh.items():
        low, high = published[name]["interval"]
        assert low <= value <= high, f"{name} {value} outside the published [{low}, {high}]"

    submission = (results / "submission" / "560mhz.txt").read_text().splitlines()
    assert submission[0].split() == (
        "id ra_core dec_core ra_cent dec_cent flux core_frac b_maj b_min pa size class".split()
    )
    assert len(submission) == score["n_det"] + 1
    # The default tiling keeps the small cutout whole: one tile, its plan and its merge.
    jobs = (
        "correct_primary_beam",
        "plan_tiles",
        "find_sources_tile",
        "merge_tiles",
        "catalogue",
        "calibrate",
        "label",
        "train",
        "predict",
        "score",
    )
    for rule in jobs:
        name = "560_r00000c00000" if rule == "find_sources_tile" else "560"
        assert (
            workflow_dir / "benchmarks" / "sdc1_cutout_small" / rule / f"{name}.tsv"
        ).exists(), rule
        assert (workflow_dir / "logs" / "sdc1_cutout_small" / rule / f"{name}.log").exists(), rule
    # No half-written files are left behind by the atomic writers.
    assert not list(results.rglob("*.part"))

    # Nothing to do on a second run.
    again = snakemake(workflow_dir, "-n", *config)
    assert "Nothing to be done" in again.stdout + again.stderr

    # The same values in another key order (every mapping reversed) rerun nothing.
    config_file = workflow_dir / "config" / "config.yaml"
    original = config_file.read_text()
    config_file.write_text(
        yaml.safe_dump(reversed_keys(yaml.safe_load(original)), sort_keys=False)
    )
    reordered = snakemake(workflow_dir, "-n", *config)
    assert "Nothing to be done" in reordered.stdout + reordered.stderr, reordered.stdout[-3000:]
    config_file.write_text(original)

    # A catalogue parameter reruns the catalogue and what follows, not source finding.
    override = workflow_dir / "stricter.yaml"
    override.write_text("catalogue:\n  match_value: 0.5\n")
    changed = snakemake(workflow_dir, "-n", "--configfile", str(override), *config)
    planned = planned_rules(changed.stdout)
    assert {"catalogue", "calibrate", "predict", "score"} <= planned
    assert not planned & {
        "download_cutout",
        "correct_primary_beam",
        "background",
        "plan_tiles",
        "find_sources_tile",
    }

    # A classifier hyper-parameter reruns training and what follows, never source finding.
    override.write_text("classifier:\n  n_estimators: 50\n")
    changed = snakemake(workflow_dir, "-n", "--configfile", str(override), *config)
    planned = planned_rules(changed.stdout)
    assert {"train", "predict", "score"} <= planned
    assert planned <= {
        "train",
        "predict",
        "score",
        "export_catalogue",
        "figures",
        "spectral_figure",
        "summary",
        "all",
    }

    # The same change on the command line, as the README writes it: the mapping is typed as
    # YAML and merged into the section's defaults, and reruns exactly the same jobs.
    on_command_line = snakemake(workflow_dir, "-n", *config, "classifier={n_estimators: 500}")
    assert planned_rules(on_command_line.stdout) == planned
    bad = snakemake(workflow_dir, "-n", *config, "classifier={n_estimators: -5}", check=False)
    assert bad.returncode != 0
    message = "config key classifier.n_estimators: -5 is less than the minimum of 1"
    assert message in bad.stdout + bad.stderr

    # A memory budget on the command line: the tile plan is made again within it.
    plan = results / "tiles" / "560mhz" / "tiles.json"
    target = str(plan.relative_to(workflow_dir))
    snakemake(workflow_dir, "--cores", "1", *config, "sourcefind={job_mem_mb: 2500}", "--", target)
    tiles = json.loads(plan.read_text())
    assert tiles["job_mem_mb"] == 2500 and tiles["tile_size"] == "auto"
    assert tiles["tiles"] and all(t["mem_mb"] <= 2500 for t in tiles["tiles"])

    # PyBDSF's model, residual and rms images on request: nothing else reruns.
    with_images = snakemake(workflow_dir, "--cores", "2", *config, "export={images: true}")
    assert "export_images" in with_images.stdout + with_images.stderr
    assert planned_rules(with_images.stdout) <= {"export_images", "all"}
    export = results / "export"
    image = np.squeeze(fits.getdata(results / "pbcor" / "560mhz.fits"))
    model = np.squeeze(fits.getdata(export / "560mhz_model.fits"))
    residual = np.squeeze(fits.getdata(export / "560mhz_residual.fits"))
    rms = np.squeeze(fits.getdata(export / "560mhz_rms.fits"))
    assert model.shape == residual.shape == rms.shape == image.shape
    np.testing.assert_allclose(model + residual, image, atol=1e-9)
    assert np.nanmax(model) > 0.5 * np.nanmax(image) and np.nanmin(rms) > 0
    # The fitted sources leave a residual near the noise.
    assert np.nanstd(residual) < 0.5 * np.nanstd(image)

    # A model folder without the dataset's frequency stops the run before any job, in one line
    # (tests/workflow/test_report.py applies a trained model to images without truth).
    mine = [
        "--config",
        "dataset=mine",
        "datasets={mine: {kind: files, images: {560: %s}}}"
        % (workflow_dir / "data" / "sdc1_cutout_small" / "images" / "560mhz.fits"),
    ]
    missing = snakemake(workflow_dir, "-n", *mine, "classifier={model: nowhere}", check=False)
    assert missing.returncode != 0
    assert (
        "config key classifier.model: nowhere/560mhz.joblib: no 560 MHz model in nowhere"
        in missing.stdout + missing.stderr
    )


def test_unknown_dataset_stops_before_any_job(workflow_dir: Path) -> None:
    result = snakemake(
        workflow_dir, "--cores", "1", "--config", "dataset=nonexistent", check=False
    )
    assert result.returncode != 0
    assert "dataset: 'nonexistent' is not an entry of datasets" in result.stdout + result.stderr
    assert not (workflow_dir / "results").exists()


def test_invalid_config_value_names_the_key(workflow_dir: Path) -> None:
    config = workflow_dir / "config" / "config.yaml"
    config.write_text(config.read_text().replace("min_pb: 0.1", "min_pb: -0.5"))
    result = snakemake(workflow_dir, "--cores", "1", check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "min_pb" in output and "-0.5" in output
    assert not (workflow_dir / "results").exists()
