"""Snakemake entry point: PyBDSF source finding."""

from sdc1.io import write_table
from sdc1.logs import job_log
from sdc1.sourcefind import find_sources

with job_log(snakemake.log[0]) as logger:
    settings = dict(snakemake.params.sourcefind)
    sources, gaussians = find_sources(snakemake.input[0], ncores=snakemake.threads, **settings)
    logger.info("%d sources, %d gaussians", len(sources), len(gaussians))
    write_table(sources, snakemake.output.sources)
    write_table(gaussians, snakemake.output.gaussians)
