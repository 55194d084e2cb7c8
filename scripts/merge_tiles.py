"""Snakemake entry point: merge per-tile source lists (and negated-image ones), ids renumbered.

Every table is cut to the image's peak threshold (the pilot tiles were searched
below it), see :mod:`sdc1.peak_threshold`.
"""

import pandas as pd

from sdc1.io import read_table, write_table
from sdc1.logs import job_log
from sdc1.peak_threshold import apply_peak_threshold, read_peak_threshold
from sdc1.tiles import merge_tiles

with job_log(snakemake.log[0]):
    threshold = read_peak_threshold(snakemake.input.peak_threshold)

    def read(path: str) -> pd.DataFrame:
        return apply_peak_threshold(read_table(path), threshold, name=path)

    sources, gaussians = merge_tiles(
        (read(sources), read(gaussians))
        for sources, gaussians in zip(snakemake.input.sources, snakemake.input.gaussians)
    )
    negated, _ = merge_tiles((read(path), pd.DataFrame()) for path in snakemake.input.negated)
    write_table(sources, snakemake.output.sources)
    write_table(gaussians, snakemake.output.gaussians)
    write_table(negated, snakemake.output.negated)
