"""Tiled against untiled source finding through real Snakemake runs on the real SDC1 cutout."""

from __future__ import annotations

import json
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
