"""Snakemake entry point: PyBDSF lists to an SDC1 catalogue of the reliable sources."""

from astropy.io import fits

from sdc1.catalogue import to_sdc1
from sdc1.io import read_table, write_table
from sdc1.logs import job_log

with job_log(snakemake.log[0]) as logger:
    header = fits.getheader(snakemake.input.image)
    catalogue = to_sdc1(
        read_table(snakemake.input.sources),
        read_table(snakemake.input.gaussians),
        header,
        negated=read_table(snakemake.input.negated),
        **snakemake.params.catalogue,
    )
    logger.info("%d sources in the catalogue", len(catalogue))
    write_table(catalogue, snakemake.output[0])
