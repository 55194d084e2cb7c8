"""All tiles of an image in one job: the same tables as one job per tile, within the memory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sdc1.background import background_job, save_grid
from sdc1.find_sources import search_both_signs
from sdc1.io import read_table, write_table
from sdc1.parallel_tiles import (
    PlannedTile,
    find_sources_in_tiles,
    launch_order,
    read_planned_tiles,
)
from sdc1.parallel_tiles import _next_fitting as next_fitting
from sdc1.tiles import Tile, merge_tiles, plan_image_tiles, write_plan
from tests.helpers import sky_header, write_image

BEAM_ARCSEC, PIX_ARCSEC = 1.5, 0.6
SETTINGS = {
    "adaptive_rms_box": False,
    "atrous_do": False,
    "group_by_isl": False,
    "rms_box": [60, 15],
    "thresh_isl": 3.0,
    "thresh_pix": 5.0,
}


def planned(name: str, mem_mb: int, work: float) -> PlannedTile:
    return PlannedTile(Tile(name, (0, 1), (0, 1), (0, 1), (0, 1)), mem_mb, work)


def test_most_work_starts_first_and_only_tiles_that_fit_start_beside_others():
    tiles = [planned("a", 500, 1.0), planned("b", 900, 5.0), planned("c", 300, 5.0)]
    assert launch_order(tiles) == [1, 2, 0]
    # 900 MB running in a 1200 MB job: the 500 MB tile waits, the 300 MB one starts.
    assert next_fitting([0, 2], tiles, 900, 1200, running=1) == 1
    assert next_fitting([0], tiles, 900, 1200, running=1) is None
    # Alone, a tile starts even when it is larger than the whole budget.
    assert next_fitting([1], tiles, 0, 100, running=0) == 0


@pytest.fixture(scope="module")
def tiled_image(tmp_path_factory) -> tuple[Path, Path, Path]:
    """A 256x256 image with 16 point sources, its background and a plan of 4 tiles."""
    tmp = tmp_path_factory.mktemp("tiles")
    n, noise = 256, 1e-6
    rng = np.random.default_rng(11)
    data = rng.normal(0.0, noise, (n, n))
    y, x = np.indices((n, n))
    sigma = BEAM_ARCSEC / PIX_ARCSEC / 2.3548
    for x0, y0 in rng.uniform(12, n - 12, (16, 2)):
        data += 40 * noise * np.exp(-((x - x0) ** 2 + (y - y0) ** 2) / (2 * sigma**2))
    header = sky_header(n, pixel_arcsec=PIX_ARCSEC, beam_arcsec=BEAM_ARCSEC, freq_hz=5.6e8)
    image = write_image(tmp / "image.fits", data, header)
    background = tmp / "background.npz"
    save_grid(background_job(image, (60, 15)), background)
    settings = dict(
        tile_size=128, tile_overlap=32, job_mem_mb=12000, max_tile_work=0.02, thresh=5.0
    )
    plan = plan_image_tiles(image, background, **settings)
    write_plan(plan, plan.shape, tmp / "tiles.json", **settings)
    return image, background, tmp / "tiles.json"


def test_one_job_for_all_tiles_gives_the_tables_of_one_job_per_tile(tiled_image, tmp_path):
    image, background, plan = tiled_image
    from sdc1.background import load_grid

    grid = load_grid(background)
    tiles = read_planned_tiles(plan)
    assert len(tiles) == 4
    parts, negated_parts = [], []
    for planned_tile in tiles:
        # What the find_sources_tile jobs write, and merge_tiles reads.
        found = search_both_signs(image, grid, planned_tile.tile, dict(SETTINGS))
        name = planned_tile.tile.name
        write_table(found.sources, tmp_path / f"{name}.parquet")
        write_table(found.gaussians, tmp_path / f"{name}_g.parquet")
        write_table(found.negated, tmp_path / f"{name}_n.parquet")
        parts.append(
            (read_table(tmp_path / f"{name}.parquet"), read_table(tmp_path / f"{name}_g.parquet"))
        )
        negated_parts.append((read_table(tmp_path / f"{name}_n.parquet"), pd.DataFrame()))
    expected_sources, expected_gaussians = merge_tiles(parts)
    expected_negated, _ = merge_tiles(negated_parts)
    assert len(expected_sources) >= 12

    # Two at a time, and one at a time when the budget holds one tile only.
    for mem_mb in (1e6, 1):
        sources, gaussians, negated, threshold = find_sources_in_tiles(
            image, background, plan, SETTINGS, processes=2, mem_mb=mem_mb
        )
        assert threshold.thresh_pix == SETTINGS["thresh_pix"]
        pd.testing.assert_frame_equal(sources, expected_sources)
        pd.testing.assert_frame_equal(gaussians, expected_gaussians)
        pd.testing.assert_frame_equal(negated, expected_negated, check_dtype=False)


def test_a_failing_tile_fails_the_job_naming_it(tiled_image):
    image, background, plan = tiled_image
    with pytest.raises(RuntimeError, match=r"tile r\d+c\d+: PyBDSF failed"):
        find_sources_in_tiles(
            image, background, plan, {**SETTINGS, "thresh_isl": "not a number"}, mem_mb=1e6
        )


def test_one_job_chooses_the_peak_threshold_on_the_pilot_tiles_as_the_tile_jobs_do(tmp_path):
    """A noisy image, its negated image searched on one tile of four: one job for all tiles
    gives the threshold and tables of per-tile jobs, `choose_peak_threshold` and the merge."""
    from scipy.ndimage import gaussian_filter

    from sdc1.background import load_grid
    from sdc1.peak_threshold import apply_peak_threshold, choose_peak_threshold

    n, noise = 512, 1e-6
    rng = np.random.default_rng(5)
    sigma = BEAM_ARCSEC / PIX_ARCSEC / 2.3548
    # Noise smoothed by the beam, as in an image: its peaks make islands of several pixels.
    data = gaussian_filter(rng.normal(0.0, 1.0, (n, n)), sigma)
    data *= noise / data.std()
    y, x = np.indices((n, n))
    for (x0, y0), peak in zip(rng.uniform(12, n - 12, (20, 2)), rng.uniform(4, 10, 20)):
        data += peak * noise * np.exp(-((x - x0) ** 2 + (y - y0) ** 2) / (2 * sigma**2))
    header = sky_header(n, pixel_arcsec=PIX_ARCSEC, beam_arcsec=BEAM_ARCSEC, freq_hz=5.6e8)
    image = write_image(tmp_path / "image.fits", data, header)
    background = tmp_path / "background.npz"
    save_grid(background_job(image, (60, 15)), background)
    plan_settings = dict(
        tile_size=256, tile_overlap=32, job_mem_mb=12000, max_tile_work=0.02, thresh=2.5
    )
    plan = plan_image_tiles(image, background, negated_sample_mpix=0.05, **plan_settings)
    plan_path = tmp_path / "tiles.json"
    write_plan(plan, plan.shape, plan_path, **plan_settings)
    tiles = [t.tile for t in read_planned_tiles(plan_path)]
    assert len(tiles) == 4 and sum(t.negated_weight > 0 for t in tiles) == 1
    settings = {**SETTINGS, "thresh_isl": 2.0, "thresh_pix": 2.5}

    # What the tile jobs do: the pilot first, the threshold, the others at it, the merge.
    grid = load_grid(background)
    pilot = next(t for t in tiles if t.negated_weight > 0)
    found = {pilot.name: search_both_signs(image, grid, pilot, dict(settings))}
    threshold = choose_peak_threshold(
        tiles,
        [(found[pilot.name].sources, found[pilot.name].negated)],
        floor=2.5,
        margin=0.5,
        match_value=0.8,
    )
    assert threshold.thresh_pix > 2.5, threshold
    for tile in tiles:
        if tile.name not in found:
            chosen = {**settings, "thresh_pix": threshold.thresh_pix}
            found[tile.name] = search_both_signs(image, grid, tile, chosen)
    parts = []
    for tile in tiles:
        write_table(found[tile.name].sources, tmp_path / f"{tile.name}.parquet")
        write_table(found[tile.name].gaussians, tmp_path / f"{tile.name}_g.parquet")
        write_table(found[tile.name].negated, tmp_path / f"{tile.name}_n.parquet")
        parts.append(
            [
                apply_peak_threshold(read_table(tmp_path / f"{tile.name}{e}.parquet"), threshold)
                for e in ("", "_g", "_n")
            ]
        )
    expected_sources, expected_gaussians = merge_tiles((s, g) for s, g, _ in parts)
    expected_negated, _ = merge_tiles((ng, pd.DataFrame()) for _, _, ng in parts)

    sources, gaussians, negated, chosen = find_sources_in_tiles(
        image,
        background,
        plan_path,
        settings,
        processes=2,
        mem_mb=1e6,
        peak_threshold_margin=0.5,
        match_value=0.8,
    )
    assert chosen == threshold
    assert (sources["Isl_peak_snr"] > threshold.thresh_pix).all()
    pd.testing.assert_frame_equal(sources, expected_sources)
    pd.testing.assert_frame_equal(gaussians, expected_gaussians)
    pd.testing.assert_frame_equal(negated, expected_negated, check_dtype=False)


def test_fitting_only_the_islands_that_reach_the_core_keeps_the_same_core_tables(
    tiled_image, caplog
):
    """PyBDSF on each tile fitting every island, and fitting only those that reach the core:
    the same sources and Gaussians of the core, to the last bit; fewer islands fitted."""
    import logging

    from sdc1.background import load_grid
    from sdc1.find_sources import find_sources, find_sources_in_tile

    def every_island(*args, fit_region=None, **kwargs):
        return find_sources(*args, **kwargs)

    image, background, plan = tiled_image
    grid = load_grid(background)
    values = ["RA", "DEC", "Total_flux", "Peak_flux", "Maj", "Min", "PA", "Isl_rms"]
    skipped = 0
    for planned_tile in read_planned_tiles(plan):
        tile = planned_tile.tile
        with caplog.at_level(logging.INFO, logger="sdc1.find_sources"):
            caplog.clear()
            core = find_sources_in_tile(image, grid, tile, dict(SETTINGS))
            counts = [r.getMessage() for r in caplog.records if "reach the core" in r.message]
        every = find_sources_in_tile(image, grid, tile, dict(SETTINGS), finder=every_island)
        for kept, reference in zip(core, every):
            pd.testing.assert_frame_equal(
                kept[values].sort_values(["RA", "DEC"]).reset_index(drop=True),
                reference[values].sort_values(["RA", "DEC"]).reset_index(drop=True),
            )
        fitted, found = (int(v) for v in counts[0].split()[:3:2])
        skipped += found - fitted
    assert skipped > 0
