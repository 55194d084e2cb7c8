"""Snakemake entry point: check the inputs, then correct for the primary beam."""

from sdc1.logs import job_log, log_progress
from sdc1.primary_beam import correct_primary_beam
from sdc1.validate import check_image, check_primary_beam

with job_log(snakemake.log[0]) as logger:
    freq = int(snakemake.wildcards.freq)
    check_image(snakemake.input.image, freq)
    pb = snakemake.input.pb[0] if snakemake.input.pb else None
    if pb is None:
        logger.info(
            "no primary beam given for %s: image copied uncorrected", snakemake.input.image
        )
    else:
        check_primary_beam(pb, snakemake.input.image, freq_mhz=freq)
    correct_primary_beam(
        snakemake.input.image,
        pb,
        snakemake.output[0],
        min_pb=snakemake.params.min_pb,
        block_rows=snakemake.params.block_rows,
        progress=log_progress(logger, "rows corrected"),
    )
