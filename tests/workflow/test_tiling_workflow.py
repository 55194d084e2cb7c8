"""Tiled against untiled source finding through real Snakemake runs on the real SDC1 cutout."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from astropy.io import fits

from sdc1.tiles import agreement, split_pairs
from tests.workflow.conftest import snakemake

pytestmark = pytest.mark.workflow

SOURCES = "results/sdc1_cutout/sources/560mhz.parquet"
GAUSSIANS = "results/sdc1_cutout/sources/560mhz_gaussians.parquet"


#: A source-finding budget that the 1041x957 cutout (1.0 Mpx, ~0.45 GB for PyBDSF) does not fit.
JOB_MEM_MB = 650


def run_sources(
    workdir: Path, sample: Path, tile_size: int | str, tile_overlap: int, job_mem_mb: int = 12000
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the workflow up to the source tables with the given tiling."""
    override = workdir / f"tiling_{tile_size}.yaml"
    override.write_text(
        f"sourcefind:\n  tile_size: {tile_size}\n  tile_overlap: {tile_overlap}\n"
        f"  job_mem_mb: {job_mem_mb}\n"
    )
    config = ["--configfile", str(override), "--config", "dataset=sdc1_cutout", f"mirror={sample}"]
    snakemake(workdir, "--cores", "2", *config, "--", SOURCES)
    return pd.read_parquet(workdir / SOURCES), pd.read_parquet(workdir / GAUSSIANS)


def test_tiled_catalogue_matches_untiled(workflow_dir: Path, sdc1_sample: Path) -> None:
    untiled, _ = run_sources(workflow_dir, sdc1_sample, 0, 100)
    assert (workflow_dir / "benchmarks/sdc1_cutout/find_sources/560.memory.tsv").exists()
    # Same folder: the corrected image and the background are reused; only the
    # source tables are made again, by the tiled rules.
    for table in (SOURCES, GAUSSIANS):
        (workflow_dir / table).unlink()
    tiled_dir = workflow_dir
    tiled, gaussians = run_sources(tiled_dir, sdc1_sample, "auto", 100, JOB_MEM_MB)

    # The default tiling from a memory budget: the cutout does not fit JOB_MEM_MB, so it is
    # cut into tiles that do, each a job with its own memory timeline, and every
    # source-finding job's peak (Snakemake's benchmark) stays within the budget.
    plan = json.loads((tiled_dir / "results/sdc1_cutout/tiles/560mhz/tiles.json").read_text())
    assert len(plan["tiles"]) >= 2 and plan["reason"].startswith("auto")
    for tile in plan["tiles"]:
        name = tile["name"]
        assert tile["mem_mb"] <= JOB_MEM_MB
        benchmark = pd.read_csv(
            tiled_dir / f"benchmarks/sdc1_cutout/find_sources_tile/560_{name}.tsv", sep="\t"
        )
        assert 50 < benchmark["max_rss"].max() <= JOB_MEM_MB, (name, benchmark.to_dict("records"))
        memory = pd.read_csv(
            tiled_dir / f"benchmarks/sdc1_cutout/find_sources_tile/560_{name}.memory.tsv", sep="\t"
        )
        assert list(memory.columns) == ["s", "mem_mib"] and memory["mem_mib"].max() > 50
    for rule in ("background", "plan_tiles", "merge_tiles"):
        assert (tiled_dir / f"benchmarks/sdc1_cutout/{rule}/560.tsv").exists(), rule
        assert (tiled_dir / f"logs/sdc1_cutout/{rule}/560.log").exists(), rule

    # Same catalogue: same columns, >= 99% of untiled sources at the same place
    # with the same flux, and no source split or duplicated by the tiling.
    beam = float(fits.getheader(sdc1_sample / "B1_1000h_0.3tr.fits")["BMAJ"])
    assert list(tiled.columns) == list(untiled.columns)
    assert len(untiled) > 1500
    assert agreement(untiled, tiled, beam) >= 0.99
    assert abs(len(tiled) - len(untiled)) <= 0.01 * len(untiled)
    assert split_pairs(untiled, tiled, beam) == 0
    # Unique ids, and every Gaussian belongs to a kept source.
    assert tiled["Source_id"].is_unique and gaussians["Gaus_id"].is_unique
    assert set(gaussians["Source_id"]) == set(tiled["Source_id"])
    counts = gaussians.groupby("Source_id").size()
    assert np.array_equal(
        tiled.set_index("Source_id")["n_gaussians"].sort_index(), counts.sort_index()
    )
    assert not list(tiled_dir.rglob("*.part"))

    # Changing the overlap reruns the tiles and the merge, not the background.
    override = tiled_dir / "wider.yaml"
    override.write_text(
        f"sourcefind:\n  tile_size: auto\n  tile_overlap: 120\n  job_mem_mb: {JOB_MEM_MB}\n"
    )
    dry = snakemake(
        tiled_dir,
        "-n",
        "--configfile",
        str(override),
        "--config",
        "dataset=sdc1_cutout",
        f"mirror={sdc1_sample}",
        "--",
        SOURCES,
    )
    output = dry.stdout + dry.stderr
    assert "plan_tiles" in output and "background " not in output.split("Job stats:")[-1]


def test_pilot_tiles_choose_the_image_peak_threshold(workflow_dir: Path) -> None:
    """The synthetic sky at 8 h depth, tiled, its negated image searched on one tile of four:
    that pilot tile sets the threshold of the others (1 below where its reliability model
    keeps every detection), and the merged tables are those of every tile at `thresh_pix`
    cut to it; changing the margin reruns no pilot tile."""
    prefix = "results/synthetic_8h"
    tiles = workflow_dir / f"{prefix}/tiles/560mhz"
    sources_path = f"{prefix}/sources/560mhz.parquet"
    negated_path = f"{prefix}/sources/560mhz_negated.parquet"

    def run(margin: str, *targets: str) -> subprocess.CompletedProcess:
        override = workflow_dir / f"margin_{margin}.yaml"
        override.write_text(
            "dataset: synthetic_8h\n"
            "datasets:\n  synthetic_8h: {kind: synthetic, preset: small, depth: 8, "
            "seed: 20190219, flux_scale: 1.0, noise_rms: 1.0e-5, frequencies: [560]}\n"
            "sourcefind:\n  tile_size: auto\n  tile_overlap: 64\n  job_mem_mb: 700\n"
            f"  negated_sample_mpix: 0.2\n  peak_threshold_margin: {margin}\n"
        )
        return snakemake(
            workflow_dir, "--cores", "2", "--configfile", str(override), "--", *targets
        )

    run("null", sources_path)
    fixed = pd.read_parquet(workflow_dir / sources_path)
    fixed_negated = pd.read_parquet(workflow_dir / negated_path)
    plan = json.loads((tiles / "tiles.json").read_text())["tiles"]
    pilots = [t["name"] for t in plan if t["negated_weight"] > 0]
    others = [t["name"] for t in plan if t["negated_weight"] == 0]
    assert len(pilots) >= 1 and len(others) >= 1
    record = json.loads((tiles / "peak_threshold.json").read_text())
    assert record["thresh_pix"] == 3.0 and "null" in record["reason"]
    pilot_times = {n: (tiles / f"{n}.parquet").stat().st_mtime_ns for n in pilots}

    # The default margin, 1: the other tiles at 1 below the pilot's cut.
    result = run("1.0", sources_path, f"{prefix}/catalogues/560mhz_measured.csv")
    record = json.loads((tiles / "peak_threshold.json").read_text())
    assert 3.0 < record["thresh_pix"] == pytest.approx(record["snr_cut"] - 1.0, abs=1e-3)
    assert record["pilot_tiles"] == len(pilots) and record["tiles"] == len(plan)
    assert {n: (tiles / f"{n}.parquet").stat().st_mtime_ns for n in pilots} == pilot_times
    jobs = (result.stdout + result.stderr).split("Job stats:")[-1]
    assert "choose_peak_threshold" in jobs and "background " not in jobs
    for name in others:
        log = (workflow_dir / f"logs/synthetic_8h/find_sources_tile/560_{name}.log").read_text()
        assert f"peak threshold {record['thresh_pix']:.2f}, chosen on the pilot tiles" in log

    # The same tables as every tile at thresh_pix, cut to the chosen threshold.
    assert len(pd.read_parquet(workflow_dir / sources_path)) > 0
    columns = ["RA", "DEC", "Total_flux", "Peak_flux", "Isl_rms", "Isl_peak_snr"]
    for table, reference in ((sources_path, fixed), (negated_path, fixed_negated)):
        chosen = pd.read_parquet(workflow_dir / table)
        expected = reference[reference["Isl_peak_snr"] > record["thresh_pix"]]
        assert len(chosen) == len(expected) < len(reference)
        if len(expected) == 0:
            continue
        pd.testing.assert_frame_equal(
            chosen[columns].sort_values(["RA", "DEC"]).reset_index(drop=True),
            expected[columns].sort_values(["RA", "DEC"]).reset_index(drop=True),
        )
