"""Snakemake entry point: merge per-tile source lists into the image's (ids renumbered)."""

from sdc1.io import read_table, write_table
from sdc1.logs import job_log
from sdc1.tiles import merge_tiles

with job_log(snakemake.log[0]):
    sources, gaussians = merge_tiles(
        (read_table(sources), read_table(gaussians))
        for sources, gaussians in zip(snakemake.input.sources, snakemake.input.gaussians)
    )
    write_table(sources, snakemake.output.sources)
    write_table(gaussians, snakemake.output.gaussians)
