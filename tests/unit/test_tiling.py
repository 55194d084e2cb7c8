"""Tiling geometry, de-duplication of sources on tile borders, shared background maps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from sdc1.background import (
    BackgroundGrid,
    BlankImageError,
    background_job,
    box_starts,
    clipped_stats,
    compute_background,
    evaluate,
    load_grid,
    save_grid,
    write_map,
)
from sdc1.errors import InputError
from sdc1.find_sources import choose_tile, cut_tile, find_sources_in_tile
from sdc1.tiles import (
    Tile,
    WorkMap,
    axis_splits,
    core_mask,
    hilbert_index,
    max_tile_pixels,
    merge_tiles,
    near_cut_edge,
    plan_image_tiles,
    plan_tiles,
    plan_tiles_by_work,
    read_plan,
    sample_negated,
    select_core,
    tile_memory_mb,
    tile_work,
    work_map,
    write_plan,
)

# --- geometry ---------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 100, 511, 512, 513, 1000, 4097])
@pytest.mark.parametrize(
    "tile_size,overlap", [(0, 50), (128, 0), (256, 40), (512, 100), (1000, 300)]
)
def test_axis_cores_partition_the_axis_and_tiles_cover_their_core(n, tile_size, overlap):
    splits = axis_splits(n, tile_size, overlap)
    cores = [core for core, _ in splits]
    assert cores[0][0] == 0 and cores[-1][1] == n
    assert all(
        a[1] == b[0] for a, b in zip(cores[:-1], cores[1:])
    )  # contiguous, no gap, no overlap
    assert all(
        hi - lo <= max(tile_size, n) if tile_size == 0 else hi - lo <= tile_size
        for lo, hi in cores
    )
    for (core_lo, core_hi), (lo, hi) in splits:
        assert 0 <= lo <= core_lo < core_hi <= hi <= n  # edge tiles clipped to the image
        assert lo == max(0, core_lo - overlap) and hi == min(n, core_hi + overlap)
    if tile_size == 0 or n <= tile_size:
        assert splits == [((0, n), (0, n))]


def test_tiles_cover_the_image_and_cores_partition_it_exactly():
    shape = (957, 1041)
    tiles = plan_tiles(shape, 300, 64)
    assert len(tiles) == 4 * 4
    core_count = np.zeros(shape, dtype=int)
    covered = np.zeros(shape, dtype=bool)
    for tile in tiles:
        core_count[slice(*tile.core_rows), slice(*tile.core_cols)] += 1
        covered[tile.slices()] = True
        assert tile.rows[0] >= 0 and tile.cols[0] >= 0
        assert tile.rows[1] <= shape[0] and tile.cols[1] <= shape[1]
    assert covered.all()
    assert (core_count == 1).all()
    corner = tiles[0]
    assert corner.rows == (0, corner.core_rows[1] + 64) and corner.cols == (
        0,
        corner.core_cols[1] + 64,
    )
    assert len({t.name for t in tiles}) == len(tiles)


def test_untiled_plan_is_one_tile_of_the_whole_image():
    (tile,) = plan_tiles((957, 1041), 0, 100)
    assert tile.rows == tile.core_rows == (0, 957)
    assert tile.cols == tile.core_cols == (0, 1041)
    (tile,) = plan_tiles((957, 1041), 2048, 100)
    assert tile.shape == (957, 1041)


def test_tiles_narrower_than_four_rms_boxes_are_refused():
    with pytest.raises(InputError, match="tile_size"):
        plan_tiles((1000, 1000), 100, 10, min_size=240)


def test_plan_round_trips_through_json(tmp_path):
    tiles = plan_tiles((700, 900), 400, 50)
    path = tmp_path / "tiles.json"
    write_plan(tiles, (700, 900), path, tile_size=400, tile_overlap=50)
    assert read_plan(path) == tiles


# --- de-duplication -----------------------------------------------------------------------


def _wcs(shape: tuple[int, int]) -> WCS:
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---SIN", "DEC--SIN"]
    wcs.wcs.crval = [0.0, -30.0]
    wcs.wcs.crpix = [shape[1] / 2, shape[0] / 2]
    wcs.wcs.cdelt = [-0.6 / 3600, 0.6 / 3600]
    return wcs


def _tables(
    wcs: WCS, xy: np.ndarray, island: np.ndarray | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A fake PyBDSF source list (one Gaussian per source) at pixel positions ``xy``."""
    ra, dec = wcs.pixel_to_world_values(xy[:, 0], xy[:, 1])
    n = len(xy)
    island = np.arange(n) if island is None else island
    sources = pd.DataFrame(
        {
            "Source_id": np.arange(n),
            "Isl_id": island,
            "RA": ra,
            "DEC": dec,
            "Total_flux": 1e-5 * (1 + np.arange(n)),
            "n_gaussians": np.ones(n, dtype=int),
        }
    )
    gaussians = pd.DataFrame(
        {
            "Gaus_id": np.arange(n),
            "Isl_id": island,
            "Source_id": np.arange(n),
            "RA": ra,
            "DEC": dec,
            "Xposn": xy[:, 0],
            "Yposn": xy[:, 1],
            "Total_flux": sources["Total_flux"],
        }
    )
    return sources, gaussians


def test_sources_on_tile_borders_are_kept_exactly_once():
    shape = (600, 600)
    wcs = _wcs(shape)
    tiles = plan_tiles(shape, 300, 60)
    border = 300  # the core boundary on both axes
    # Positions on, just before and just after the core boundaries, at the
    # image corners and just outside the image (a fit straying off the edge).
    xs = np.array(
        [border - 0.5001, border - 0.5, border - 0.4999, border, 0.0, 599.0, -0.7, 600.2, 150.0]
    )
    xy = np.array([(x, y) for x in xs for y in xs])
    parts = []
    for tile in tiles:
        visible = (
            (xy[:, 0] >= tile.cols[0] - 1)
            & (xy[:, 0] < tile.cols[1] + 1)
            & (xy[:, 1] >= tile.rows[0] - 1)
            & (xy[:, 1] < tile.rows[1] + 1)
        )
        # Every tile that sees a source reports it (as PyBDSF does in the overlap).
        sources, gaussians = _tables(wcs, xy[visible])
        sources["truth"] = np.flatnonzero(visible)
        parts.append(select_core(sources, gaussians, tile, wcs, shape))
    merged, gaussians = merge_tiles(parts)
    assert sorted(merged["truth"]) == list(range(len(xy)))  # each exactly once
    assert merged["Source_id"].is_unique
    assert list(merged["Source_id"]) == list(range(len(merged)))
    assert merged["Isl_id"].is_unique
    # Gaussians follow their source.
    pairs = gaussians.merge(merged, on="Source_id", suffixes=("_g", "_s"))
    assert len(pairs) == len(merged)
    assert np.allclose(pairs["RA_g"], pairs["RA_s"]) and np.allclose(
        pairs["DEC_g"], pairs["DEC_s"]
    )
    assert (pairs["Isl_id_g"] == pairs["Isl_id_s"]).all()
    assert list(gaussians["Gaus_id"]) == list(range(len(gaussians)))


def test_core_assignment_rounds_to_the_nearest_pixel_centre():
    tile = Tile("r000c001", (0, 100), (40, 100), (0, 100), (50, 100))
    x = np.array([49.49, 49.5, 50.49, 99.6, 120.0])
    y = np.full_like(x, 10.0)
    assert list(core_mask(x, y, tile, (100, 100))) == [False, True, True, True, True]
    assert not core_mask(np.array([np.nan]), np.array([1.0]), tile, (100, 100)).any()


def test_island_shared_by_two_tiles_keeps_gaussians_with_their_source():
    shape = (400, 400)
    wcs = _wcs(shape)
    tiles = plan_tiles(shape, 200, 50)
    # One island of two sources either side of the vertical core boundary.
    xy = np.array([(198.0, 100.0), (202.0, 100.0)])
    parts = [
        select_core(*_tables(wcs, xy, island=np.array([7, 7])), tile, wcs, shape) for tile in tiles
    ]
    merged, gaussians = merge_tiles(parts)
    assert len(merged) == 2 and len(gaussians) == 2
    assert set(gaussians["Source_id"]) == set(merged["Source_id"])
    assert np.allclose(np.sort(gaussians["Xposn"]), [198.0, 202.0])


def test_merge_of_empty_tiles_is_empty():
    sources, gaussians = merge_tiles([(pd.DataFrame(), pd.DataFrame())])
    assert len(sources) == 0 and len(gaussians) == 0


# --- background -------------------------------------------------------------------------------


def _image(tmp_path, shape=(300, 420), seed=3) -> tuple[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    # Noise that grows across the image, a few bright sources and a blank corner.
    data = rng.normal(0.0, 1.0, shape) * (1.0 + np.linspace(0, 1, shape[1]))[None, :]
    data[rng.integers(0, shape[0], 30), rng.integers(0, shape[1], 30)] += 200.0
    data[:40, :40] = np.nan
    header = fits.Header()
    header["BMAJ"] = header["BMIN"] = 1.5 / 3600
    wcs = _wcs(shape)
    header.update(wcs.to_header())
    header["CDELT1"], header["CDELT2"] = wcs.wcs.cdelt
    path = tmp_path / "image.fits"
    fits.PrimaryHDU(data.astype(np.float32)[None, None], header=header).writeto(path)
    return str(path), data


def test_a_blank_image_or_a_header_without_beam_is_refused_in_one_line_naming_it(tmp_path):
    path, _ = _image(tmp_path)
    with fits.open(path, mode="update") as hdul:
        hdul[0].data[:] = np.nan
    with pytest.raises(BlankImageError, match=r"image\.fits: .*non-blank.*min_pb") as blank:
        background_job(path, (60, 15))
    assert isinstance(blank.value, InputError) and "\n" not in str(blank.value)
    with fits.open(path, mode="update") as hdul:
        del hdul[0].header["BMAJ"]
    with pytest.raises(InputError, match=r"image\.fits: image header lacks BMAJ"):
        compute_background(path, 60, 15)


def test_background_job_logs_progress_and_the_grid(tmp_path, caplog):
    path, _ = _image(tmp_path)
    caplog.set_level("INFO", logger="sdc1.background")
    grid = background_job(path, (60, 15), threads=2)
    lines = [r.getMessage() for r in caplog.records if r.name == "sdc1.background"]
    assert lines[-1].startswith(f"{grid.rms.shape[0]}x{grid.rms.shape[1]} nodes, median rms ")
    assert any(line.startswith("bands of boxes: ") for line in lines)


def test_box_starts_cover_the_axis_with_a_box_flush_at_the_edge():
    assert list(box_starts(100, 30, 10)) == [0, 10, 20, 30, 40, 50, 60, 70]
    assert list(box_starts(105, 30, 10)) == [0, 10, 20, 30, 40, 50, 60, 70, 75]
    assert list(box_starts(20, 30, 10)) == [0]


def test_clipped_stats_matches_pybdsf_bstat():
    from bdsf.functions import bstat

    rng = np.random.default_rng(0)
    boxes = rng.normal(1.0, 2.0, (40, 900))
    boxes[:, :15] += rng.exponential(50.0, (40, 15))
    mean, rms = clipped_stats(boxes, npixbeam=7.0)
    for i in range(len(boxes)):
        _, _, cm, cr, _ = bstat(boxes[i], None, -7.0)
        assert mean[i] == pytest.approx(cm, rel=1e-9, abs=1e-12)
        assert rms[i] == pytest.approx(cr, rel=1e-9)


def test_clipped_stats_of_mostly_blank_boxes():
    boxes = np.full((2, 100), np.nan)
    boxes[0, :10] = np.arange(10.0)
    mean, rms = clipped_stats(boxes, npixbeam=7.0)
    assert mean[0] == pytest.approx(4.5) and rms[0] == pytest.approx(np.std(np.arange(10.0)))
    assert np.isnan(mean[1]) and np.isnan(rms[1])


def test_background_maps_agree_across_overlapping_tiles(tmp_path):
    path, data = _image(tmp_path)
    grid = compute_background(path, 60, 15, threads=2)
    assert np.isfinite(grid.mean).all() and (grid.rms > 0).all()  # blank boxes filled
    full_mean, full_rms = evaluate(grid, slice(None), slice(None))
    assert full_rms.shape == data.shape
    # The rms follows the noise gradient of the image.
    assert full_rms[:, -30:].mean() / full_rms[:, 30:60].mean() == pytest.approx(
        2.0 / 1.1, rel=0.1
    )
    for tile in plan_tiles(data.shape, 150, 40):
        mean, rms = evaluate(grid, *tile.slices())
        assert np.array_equal(mean, full_mean[tile.slices()])
        assert np.array_equal(rms, full_rms[tile.slices()])


def test_background_grid_round_trips_and_maps_fit_the_tile(tmp_path):
    path, data = _image(tmp_path)
    grid = compute_background(path, 60, 15)
    save_grid(grid, tmp_path / "bg.npz")
    again = load_grid(tmp_path / "bg.npz")
    assert isinstance(again, BackgroundGrid) and again.shape == grid.shape
    assert np.array_equal(again.rms, grid.rms)
    tile = plan_tiles(data.shape, 200, 30)[1]
    header, has_data = cut_tile(path, tile, tmp_path / "tile.fits")
    assert has_data
    write_map(grid, "rms", header, *tile.slices(), tmp_path / "rms.fits", block_rows=7)
    rms_map = fits.getdata(tmp_path / "rms.fits")
    assert rms_map.shape == (1, 1, *tile.shape)
    assert np.array_equal(rms_map[0, 0], evaluate(grid, *tile.slices())[1])
    # The tile has the image's pixels and a WCS giving them the same sky positions.
    tile_data = fits.getdata(tmp_path / "tile.fits")[0, 0]
    assert np.array_equal(tile_data, data[tile.slices()].astype(np.float32), equal_nan=True)
    full = WCS(fits.getheader(path)).celestial
    cut = WCS(header).celestial
    assert np.allclose(
        cut.pixel_to_world_values(5.0, 7.0),
        full.pixel_to_world_values(5.0 + tile.cols[0], 7.0 + tile.rows[0]),
    )


def test_gaussians_far_into_the_overlap_are_flagged():
    tile = Tile("r000c001", (0, 100), (100, 300), (0, 100), (150, 300))
    gaussians = pd.DataFrame(
        {"Xposn": [160.0, 130.0, 120.0, 299.0], "Yposn": [50.0, 50.0, 99.0, 0.0]}
    )
    # Only x = 120 is past halfway (125) towards the cut edge at 100; the image edges don't count.
    assert near_cut_edge(gaussians, tile, (100, 300)) == 1


def test_all_blank_tile_gives_empty_tables_without_pybdsf(tmp_path):
    # Full SDC1 fields have corner tiles where the primary beam is below min_pb:
    # every pixel blank, which PyBDSF refuses ("All pixels in the image are blanked").
    path, data = _image(tmp_path, shape=(300, 420))
    with fits.open(path, mode="update") as hdul:
        hdul[0].data[0, 0, :150, :] = np.nan
    grid = compute_background(path, 60, 15, threads=1)
    blank = next(t for t in plan_tiles(data.shape, 100, 20) if t.rows[1] <= 150)
    calls = []

    def finder(*args, **kwargs):
        calls.append(args)
        raise AssertionError("PyBDSF must not run on a blank tile")

    sources, gaussians = find_sources_in_tile(path, grid, blank, {}, finder=finder)
    assert len(sources) == 0 and len(gaussians) == 0 and not calls


# --- tiles from a memory budget and the work ---------------------------------------------


def _work(shape, block, bright) -> WorkMap:
    """A work map with every pixel valid and ``bright`` pixels per block."""
    blocks = (-(-shape[0] // block), -(-shape[1] // block))
    valid = np.full(blocks, block * block, dtype=np.int64)
    return WorkMap(block, valid, np.broadcast_to(bright, blocks).astype(np.int64), shape, 3.0)


def _assert_partition(tiles, shape, overlap):
    count = np.zeros(shape, dtype=np.int8)
    for tile in tiles:
        count[slice(*tile.core_rows), slice(*tile.core_cols)] += 1
        assert tile.rows == (
            max(0, tile.core_rows[0] - overlap),
            min(shape[0], tile.core_rows[1] + overlap),
        )
        assert tile.cols == (
            max(0, tile.core_cols[0] - overlap),
            min(shape[1], tile.core_cols[1] + overlap),
        )
    assert (count == 1).all()
    assert len({t.name for t in tiles}) == len(tiles)


@pytest.mark.parametrize("job_mem_mb", [1000, 2500, 12000, 90000])
def test_tile_memory_of_the_largest_tile_fits_the_budget(job_mem_mb):
    pixels = max_tile_pixels(job_mem_mb)
    assert tile_memory_mb(pixels) <= job_mem_mb < tile_memory_mb(pixels + 10_000)
    with pytest.raises(InputError, match="job_mem_mb"):
        max_tile_pixels(400)


def test_memory_alone_cuts_an_even_field_into_equal_tiles_that_fit():
    shape, overlap = (4096, 4096), 64
    work = _work(shape, 128, 0)
    max_pixels = max_tile_pixels(2500)
    tiles = plan_tiles_by_work(
        work,
        max_pixels=max_pixels,
        max_work_fraction=1.0,
        overlap=overlap,
        min_core=256,
        pixel_cost=0.01,
    )
    _assert_partition(tiles, shape, overlap)
    assert all(t.shape[0] * t.shape[1] <= max_pixels for t in tiles)
    # 2500 MB holds 10 Mpx: 4096x4224 px do not fit, 2112x4160 do; cut once, in the middle.
    assert {(t.core_rows[1] - t.core_rows[0], t.core_cols[1] - t.core_cols[0]) for t in tiles} == {
        (2048, 4096)
    }
    assert len(tiles) == 2


def test_work_cuts_the_dense_centre_finer_and_no_tile_holds_more_than_its_share():
    shape, block, overlap = (8192, 8192), 128, 128
    yy, xx = np.mgrid[0:64, 0:64]
    # Work falling off from the centre like a primary beam, as on an SDC1 field.
    bright = (1000 * np.exp(-((yy - 32) ** 2 + (xx - 32) ** 2) / (2 * 8.0**2))).astype(np.int64)
    work = _work(shape, block, bright)
    tiles = plan_tiles_by_work(
        work,
        max_pixels=max_tile_pixels(12000),
        max_work_fraction=0.04,
        overlap=overlap,
        min_core=512,
        pixel_cost=0.01,
    )
    _assert_partition(tiles, shape, overlap)
    total = float(work.cost(0.01).sum())
    shares = [tile_work(work, t, 0.01) / total for t in tiles]
    # Overlap counted in each tile: a tile's share is of the image's work.
    assert max(shares) <= 0.04
    sizes = {t.name: t.shape[0] * t.shape[1] for t in tiles}
    central = next(
        t
        for t in tiles
        if t.core_rows[0] <= 4096 < t.core_rows[1] and t.core_cols[0] <= 4096 < t.core_cols[1]
    )
    assert (
        sizes[central.name] < max(sizes.values()) / 4
    )  # fine where the work is, coarse elsewhere


def test_a_core_too_small_to_cut_stays_whole_and_too_small_a_budget_is_refused():
    work = _work((2048, 2048), 128, 100)
    tiles = plan_tiles_by_work(
        work, max_pixels=10**8, max_work_fraction=0.01, overlap=64, min_core=1024, pixel_cost=0.0
    )
    assert len(tiles) == 4  # cores of 1024 cannot be cut again, whatever their work
    with pytest.raises(InputError, match="job_mem_mb"):
        plan_tiles_by_work(
            work,
            max_pixels=1000**2,
            max_work_fraction=1.0,
            overlap=64,
            min_core=1024,
            pixel_cost=0.0,
        )


def test_work_map_counts_pixels_above_the_threshold_per_block(tmp_path):
    shape = (300, 420)
    data = np.zeros(shape, dtype=np.float32)
    data[10, 10] = data[10, 11] = 5.0  # block (0, 0): two pixels above 3 rms
    data[299, 419] = 3.5  # the last, partial block
    data[150, 200] = 2.9  # below
    data[:40, 300:340] = np.nan
    header = fits.Header()
    header.update(_wcs(shape).to_header())
    path = tmp_path / "flat.fits"
    fits.PrimaryHDU(data[None, None], header=header).writeto(path)
    grid = BackgroundGrid(
        np.zeros((2, 2)),
        np.ones((2, 2)),
        np.array([0.0, 299.0]),
        np.array([0.0, 419.0]),
        shape,
        60,
        15,
    )
    work = work_map(path, grid, thresh=3.0, block=128)
    assert work.bright.shape == work.valid.shape == (3, 4)
    assert work.bright[0, 0] == 2 and work.bright[2, 3] == 1 and work.bright.sum() == 3
    assert work.valid.sum() == data.size - 40 * 40
    assert work.valid[2, 3] == (300 - 256) * (420 - 384)


def test_auto_plan_keeps_an_image_that_fits_whole_and_writes_predictions(tmp_path):
    path, data = _image(tmp_path)
    grid = compute_background(path, 60, 15)
    save_grid(grid, tmp_path / "bg.npz")
    settings = dict(tile_overlap=20, max_tile_work=0.02, thresh=3.0, min_size=100)
    whole = plan_image_tiles(
        path, tmp_path / "bg.npz", tile_size="auto", job_mem_mb=12000, **settings
    )
    assert len(whole.tiles) == 1 and whole.tiles[0].shape == data.shape and whole.work is None
    grid_plan = plan_image_tiles(
        path, tmp_path / "bg.npz", tile_size=250, job_mem_mb=12000, **settings
    )
    assert len(grid_plan.tiles) == 4
    # A budget of 520 MB holds 100,000 px: 300x420 must be cut, into cores of >= 100 px.
    cut = plan_image_tiles(path, tmp_path / "bg.npz", tile_size="auto", job_mem_mb=520, **settings)
    assert len(cut.tiles) > 1 and all(
        t.shape[0] * t.shape[1] <= max_tile_pixels(520) for t in cut.tiles
    )
    _assert_partition(cut.tiles, data.shape, 20)
    write_plan(cut, cut.shape, tmp_path / "plan.json", tile_size="auto")
    assert read_plan(tmp_path / "plan.json") == cut.tiles
    import json

    written = json.loads((tmp_path / "plan.json").read_text())
    assert written["reason"].startswith("auto") and all(
        t["mem_mb"] <= 520 for t in written["tiles"]
    )
    assert sum(t["work_share"] for t in written["tiles"]) == pytest.approx(1.0, abs=1e-3)


def test_the_job_searches_the_planned_tile_or_the_whole_image(tmp_path):
    shape = (300, 420)
    whole, index, count = choose_tile(shape)
    assert (whole.rows, whole.cols, index, count) == ((0, 300), (0, 420), 1, 1)
    tiles = plan_tiles(shape, 200, 30)
    write_plan(tiles, shape, tmp_path / "plan.json")
    assert choose_tile(shape, tmp_path / "plan.json", tiles[2].name) == (tiles[2], 3, len(tiles))
    with pytest.raises(InputError, match="plan.json: no tile named 'r9'"):
        choose_tile(shape, tmp_path / "plan.json", "r9")


# --- negated image on a sample of tiles --------------------------------------------------


def test_hilbert_curve_steps_to_a_neighbour_and_visits_every_cell_once():
    order = 3
    cells = sorted(
        (hilbert_index(r, c, order), r, c) for r in range(2**order) for c in range(2**order)
    )
    assert [index for index, _, _ in cells] == list(range(4**order))
    for (_, r0, c0), (_, r1, c1) in zip(cells, cells[1:]):
        assert abs(r0 - r1) + abs(c0 - c1) == 1


def test_a_small_image_searches_every_tile_negated_with_weight_one():
    tiles = plan_tiles((1000, 1000), 250, 20)
    sampled = sample_negated(tiles, 1e6)
    assert [t.negated_weight for t in sampled] == [1.0] * 16
    assert [(t.name, t.rows, t.core_cols) for t in sampled] == [
        (t.name, t.rows, t.core_cols) for t in tiles
    ]


def test_a_large_image_searches_the_fewest_spread_tiles_that_hold_the_sample():
    shape = (8000, 8000)
    tiles = plan_tiles(shape, 1000, 64)  # 64 cores of 1000^2 px
    sampled = sample_negated(tiles, 8.5e6)
    chosen = [t for t in sampled if t.negated_weight > 0]
    # Nine cores hold 8.5 Mpx: each of their noise detections stands for 64/9.
    assert len(chosen) == 9
    assert all(t.negated_weight == pytest.approx(64 / 9) for t in chosen)
    # Spread over the image: in every quadrant, not in one row or column of tiles.
    quadrants = {(t.core_rows[0] >= 4000, t.core_cols[0] >= 4000) for t in chosen}
    assert len(quadrants) == 4
    assert len({t.core_rows for t in chosen}) >= 4 and len({t.core_cols for t in chosen}) >= 4
    # The weights survive the plan's JSON, and tiles of an older plan search everything.
    assert sum(t.negated_weight * t.core_pixels for t in chosen) == pytest.approx(64e6)


def test_sampled_weights_round_trip_through_the_plan(tmp_path):
    tiles = sample_negated(plan_tiles((2000, 2000), 500, 50), 1e6)
    write_plan(tiles, (2000, 2000), tmp_path / "plan.json")
    assert read_plan(tmp_path / "plan.json") == tiles
    record = {"name": "r0", "rows": [0, 1], "cols": [0, 1], "core_rows": [0, 1]}
    from sdc1.tiles import tile_from_record

    assert tile_from_record({**record, "core_cols": [0, 1]}).negated_weight == 1.0


def test_only_pybdsf_options_reach_pybdsf():
    import yaml

    from sdc1.tiles import TILING_KEYS, pybdsf_settings
    from tests.conftest import REPO

    sourcefind = yaml.safe_load((REPO / "config" / "config.yaml").read_text())["sourcefind"]
    settings = pybdsf_settings(sourcefind)
    assert set(settings) | set(TILING_KEYS) == set(sourcefind)
    assert list(settings) == sorted(settings) and "thresh_pix" in settings
    assert not set(settings) & set(TILING_KEYS)
