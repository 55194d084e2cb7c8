"""Snakemake entry point: the image's background grid (mean, rms), streamed."""

from sdc1.background import compute_background, save_grid
from sdc1.logs import job_log, log_progress

with job_log(snakemake.log[0]) as logger:
    box, step = snakemake.params.rms_box
    grid = compute_background(
        snakemake.input[0],
        box,
        step,
        threads=snakemake.threads,
        progress=log_progress(logger, "bands of boxes"),
    )
    logger.info(
        "%dx%d nodes, median rms %.3g, median mean %.3g",
        *grid.rms.shape, float(grid.rms.mean()), float(grid.mean.mean()),
    )
    save_grid(grid, snakemake.output[0])
