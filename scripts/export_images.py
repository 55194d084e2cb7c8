"""Snakemake entry point: PyBDSF's model, residual and rms images of the whole field."""

from sdc1.background import load_grid
from sdc1.fitted_images import write_fitted_images
from sdc1.io import read_table
from sdc1.logs import job_log

with job_log(snakemake.log[0]) as logger:
    gaussians = read_table(snakemake.input.gaussians)
    write_fitted_images(
        snakemake.input.image,
        gaussians,
        load_grid(snakemake.input.background),
        model_path=snakemake.output.model,
        residual_path=snakemake.output.residual,
        rms_path=snakemake.output.rms,
    )
    logger.info("model of %d Gaussians, residual and rms images written", len(gaussians))
