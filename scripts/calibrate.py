"""Snakemake entry point: out-of-fold flux, size and reliability calibration against the truth."""

from astropy.io import fits

from sdc1.beam import beam_arcsec_from_header
from sdc1.calibrate import calibrate_frequency
from sdc1.io import read_sdc1_catalogue, read_table, write_table
from sdc1.logs import job_log

with job_log(snakemake.log[0]) as logger:
    catalogue = read_table(snakemake.input.catalogue)
    settings = dict(snakemake.params.calibrate)
    if settings.pop("enabled") and snakemake.input.truth:
        catalogue = calibrate_frequency(
            catalogue,
            read_sdc1_catalogue(snakemake.input.truth[0]),
            beam_arcsec_from_header(fits.getheader(snakemake.input.image)),
            int(snakemake.wildcards.freq),
            match_value=snakemake.params.match_value,
            **settings,
        )
    else:
        logger.info("calibration off or no truth: measured values kept")
    write_table(catalogue, snakemake.output[0])
