"""Snakemake entry point: classes and calibrated probabilities into the SDC1 submission."""

from sdc1.io import read_table, write_sdc1_catalogue, write_table
from sdc1.logs import job_log
from sdc1.model import class_counts, load_model, predict_frequency

with job_log(snakemake.log[0]) as logger:
    model = load_model(snakemake.input.model)
    table = predict_frequency(
        read_table(snakemake.input.catalogue), read_table(snakemake.input.probabilities), model
    )
    logger.info("predicted classes (%s features): %s", model.primary, class_counts(table["class"]))
    write_sdc1_catalogue(table, snakemake.output.submission)
    write_table(table, snakemake.output.predictions)
