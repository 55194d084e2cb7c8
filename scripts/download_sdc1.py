"""Snakemake entry point: fetch one frequency of the official SDC1 data (mirror first, resumable,
checked)."""

from sdc1.download import DatasetFiles, download_sdc1
from sdc1.logs import job_log

with job_log(snakemake.log[0]):
    download_sdc1(
        snakemake.input.manifest,
        int(snakemake.wildcards.freq),
        snakemake.params.depth,
        DatasetFiles(snakemake.output.image, snakemake.output.pb, snakemake.output.truth),
        mirror=snakemake.params.mirror,
    )
