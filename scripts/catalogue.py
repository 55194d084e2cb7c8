"""Snakemake entry point: PyBDSF lists to an SDC1 catalogue of the reliable sources."""

from astropy.io import fits

from sdc1.catalogue import to_sdc1
from sdc1.io import read_table, write_table
from sdc1.logs import job_log
from sdc1.primary_beam import response_at

with job_log(snakemake.log[0]) as logger:
    header = fits.getheader(snakemake.input.image)
    catalogue = to_sdc1(
        read_table(snakemake.input.sources),
        read_table(snakemake.input.gaussians),
        header,
        negated=read_table(snakemake.input.negated),
        **snakemake.params.catalogue,
    )
    beam = snakemake.input.primary_beam
    catalogue["pb_response"] = response_at(
        beam[0] if beam else None, catalogue["ra_cent"], catalogue["dec_cent"]
    )
    logger.info("%d sources in the catalogue", len(catalogue))
    write_table(catalogue, snakemake.output[0])
