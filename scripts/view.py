"""Snakemake entry point: the interactive view of one frequency's catalogue on its image."""

from sdc1.io import read_table
from sdc1.logs import job_log
from sdc1.model import load_model
from sdc1.view import write_view

with job_log(snakemake.log[0]) as logger:
    written = write_view(
        snakemake.output[0],
        snakemake.input.image,
        read_table(snakemake.input.predictions),
        snakemake.input.aladin_lite,
        title=snakemake.params.title,
        primary=load_model(snakemake.input.model).primary,
        labels=read_table(snakemake.input.labels),
        max_side=snakemake.params.max_side,
    )
    logger.info(
        "%d sources (%s), image %s px (%dx block mean)",
        written["sources"],
        written["layers"],
        written["image_shape"],
        written["factor"],
    )
