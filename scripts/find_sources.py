"""Snakemake entry point: PyBDSF on the whole image or on one tile, memory profiled.

Both read the image's shared background grid. A tile keeps only the sources of
its core; the whole image keeps all of them. memory-profiler samples the job's
memory every half second into the ``memory`` output.
"""

from sdc1.background import load_grid
from sdc1.io import write_table
from sdc1.logs import job_log
from sdc1.tiling import (
    find_sources_in_tile,
    near_cut_edge,
    plan_tiles,
    profile_memory,
    read_plan,
    write_memory_timeline,
)

with job_log(snakemake.log[0]) as logger:
    grid = load_grid(snakemake.input.background)
    if "tile" in snakemake.wildcards.keys():
        plan = read_plan(snakemake.input.plan)
        index, tile = next((i, t) for i, t in enumerate(plan, 1) if t.name == snakemake.wildcards.tile)
    else:
        plan = plan_tiles(grid.shape, 0, 0)
        index, tile = 1, plan[0]
    # Progress: the tile's place in the plan here, then (sdc1.tiling) PyBDSF's
    # start, its Gaussian fitting about every 10% of the islands, and its end.
    logger.info("tile %s (%d of %d): rows %s, columns %s, core rows %s, core columns %s",
                tile.name, index, len(plan), tile.rows, tile.cols, tile.core_rows, tile.core_cols)
    (sources, gaussians), timeline = profile_memory(
        find_sources_in_tile,
        snakemake.input.image,
        grid,
        tile,
        dict(snakemake.params.pybdsf),
        ncores=snakemake.threads,
    )
    logger.info("%d sources, %d gaussians kept; peak memory %.0f MiB",
                len(sources), len(gaussians), timeline[:, 1].max() if len(timeline) else float("nan"))
    risky = near_cut_edge(gaussians, tile, grid.shape)
    if risky:
        logger.warning("%d kept Gaussians reach halfway into the overlap: islands may be cut, "
                       "consider a larger sourcefind.tile_overlap", risky)
    write_table(sources, snakemake.output.sources)
    write_table(gaussians, snakemake.output.gaussians)
    write_memory_timeline(timeline, snakemake.output.memory)
