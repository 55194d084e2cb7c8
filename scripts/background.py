"""Snakemake entry point: the image's background grid (mean, rms), streamed.

An image with no usable pixels (all blank, or constant) stops here with one
line naming it, before source finding (:func:`sdc1.background.background_job`
raises an :class:`sdc1.errors.InputError`, which :func:`sdc1.logs.job_log` reports).
"""

from sdc1.background import background_job, save_grid
from sdc1.logs import job_log

with job_log(snakemake.log[0]):
    grid = background_job(snakemake.input[0], snakemake.params.rms_box, threads=snakemake.threads)
    save_grid(grid, snakemake.output[0])
