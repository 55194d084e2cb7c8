"""Snakemake entry point: the catalogue as FITS, VOTable, ECSV and DS9 regions."""

from sdc1.export import write_catalogue_files
from sdc1.io import read_table
from sdc1.logs import job_log
from sdc1.model import load_model

with job_log(snakemake.log[0]) as logger:
    table = write_catalogue_files(
        read_table(snakemake.input.predictions),
        load_model(snakemake.input.model).primary,
        int(snakemake.wildcards.freq),
        fits_path=snakemake.output.fits,
        votable_path=snakemake.output.votable,
        ecsv_path=snakemake.output.ecsv,
        regions_path=snakemake.output.regions,
    )
    logger.info("%d sources, %d columns exported", len(table), len(table.columns))
