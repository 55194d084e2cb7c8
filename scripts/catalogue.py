"""Snakemake entry point: PyBDSF lists to an SDC1 catalogue of the reliable sources."""

from astropy.io import fits

from sdc1.catalogue import to_sdc1
from sdc1.io import read_table, write_table
from sdc1.logs import job_log
from sdc1.peak_threshold import read_peak_threshold
from sdc1.primary_beam import response_at

with job_log(snakemake.log[0]) as logger:
    header = fits.getheader(snakemake.input.image)
    settings = dict(snakemake.params.catalogue)
    if snakemake.input.peak_threshold:
        # A tiled image's tables hold the islands above its own peak threshold.
        settings["snr_floor"] = read_peak_threshold(snakemake.input.peak_threshold[0]).thresh_pix
    catalogue = to_sdc1(
        read_table(snakemake.input.sources),
        read_table(snakemake.input.gaussians),
        header,
        negated=read_table(snakemake.input.negated),
        **settings,
    )
    beam = snakemake.input.primary_beam
    catalogue["pb_response"] = response_at(
        beam[0] if beam else None, catalogue["ra_cent"], catalogue["dec_cent"]
    )
    logger.info("%d sources in the catalogue", len(catalogue))
    write_table(catalogue, snakemake.output[0])
