"""Snakemake entry point: check the inputs, then correct for the primary beam."""

from sdc1.logs import job_log
from sdc1.primary_beam import correct_image

with job_log(snakemake.log[0]):
    correct_image(
        snakemake.input.image,
        snakemake.input.pb[0] if snakemake.input.pb else None,
        snakemake.output[0],
        int(snakemake.wildcards.freq),
        min_pb=snakemake.params.min_pb,
        block_rows=snakemake.params.block_rows,
    )
