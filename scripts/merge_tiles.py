"""Snakemake entry point: merge per-tile source lists (and negated-image ones), ids renumbered."""

import pandas as pd

from sdc1.io import read_table, write_table
from sdc1.logs import job_log
from sdc1.tiles import merge_tiles

with job_log(snakemake.log[0]):
    sources, gaussians = merge_tiles(
        (read_table(sources), read_table(gaussians))
        for sources, gaussians in zip(snakemake.input.sources, snakemake.input.gaussians)
    )
    negated, _ = merge_tiles(
        (read_table(path), pd.DataFrame()) for path in snakemake.input.negated
    )
    write_table(sources, snakemake.output.sources)
    write_table(gaussians, snakemake.output.gaussians)
    write_table(negated, snakemake.output.negated)
