"""Snakemake entry point: merge per-tile source lists into the image's (ids renumbered)."""

from sdc1.io import read_table, write_table
from sdc1.logs import job_log
from sdc1.tiling import merge_tiles

with job_log(snakemake.log[0]) as logger:
    parts = [
        (read_table(sources), read_table(gaussians))
        for sources, gaussians in zip(snakemake.input.sources, snakemake.input.gaussians)
    ]
    sources, gaussians = merge_tiles(parts)
    logger.info("%d tiles merged: %d sources, %d gaussians", len(parts), len(sources), len(gaussians))
    write_table(sources, snakemake.output.sources)
    write_table(gaussians, snakemake.output.gaussians)
