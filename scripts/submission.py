"""Snakemake entry point: the SDC1 submission file from a catalogue."""

from sdc1.io import read_table, write_sdc1_catalogue
from sdc1.logs import job_log

with job_log(snakemake.log[0]) as logger:
    catalogue = read_table(snakemake.input[0])
    write_sdc1_catalogue(catalogue, snakemake.output[0])
    logger.info("%d sources written", len(catalogue))
