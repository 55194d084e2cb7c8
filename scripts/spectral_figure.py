"""Snakemake entry point: spectral-index distribution per predicted class, across frequencies."""

from sdc1.figures import save_figure, spectral_index_figure, spectral_index_table
from sdc1.io import read_table
from sdc1.logs import job_log

with job_log(snakemake.log[0]) as logger:
    freqs = [int(f) for f in snakemake.params.freqs]
    predictions = {f: read_table(p) for f, p in zip(freqs, snakemake.input.predictions)}
    table = spectral_index_table(read_table(snakemake.input.features), predictions)
    save_figure(spectral_index_figure(table), snakemake.output[0], snakemake.params.dpi)
    logger.info(
        "%d sources, %d with a spectral index", len(table), int(table["alpha"].notna().sum())
    )
