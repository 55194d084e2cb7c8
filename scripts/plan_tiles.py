"""Snakemake entry point: cut the image into overlapping tiles (from its header)."""

from sdc1.logs import job_log
from sdc1.tiling import image_shape, plan_tiles, write_plan

with job_log(snakemake.log[0]) as logger:
    shape = image_shape(snakemake.input[0])
    tiles = plan_tiles(
        shape,
        snakemake.params.tile_size,
        snakemake.params.tile_overlap,
        min_size=snakemake.params.min_size,
    )
    largest = max(t.shape[0] * t.shape[1] for t in tiles)
    logger.info("%dx%d image: %d tiles, largest %d pixels", *shape, len(tiles), largest)
    write_plan(
        tiles,
        shape,
        snakemake.output[0],
        tile_size=snakemake.params.tile_size,
        tile_overlap=snakemake.params.tile_overlap,
    )
