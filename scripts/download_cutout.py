"""Snakemake entry point: fetch a real SDC1 cutout, its primary beam and truth (mirror first,
md5-checked)."""

from sdc1.download import DatasetFiles, download_cutout
from sdc1.logs import job_log

with job_log(snakemake.log[0]):
    download_cutout(
        snakemake.input.manifest,
        int(snakemake.wildcards.freq),
        snakemake.params.image_name,
        DatasetFiles(snakemake.output.image, snakemake.output.pb, snakemake.output.truth),
        mirror=snakemake.params.mirror,
    )
