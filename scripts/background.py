"""Snakemake entry point: the image's background grid (mean, rms), streamed.

An image with no usable pixels (all blank, or constant) stops here with one
line naming it, before source finding.
"""

from sdc1.background import compute_background, save_grid
from sdc1.io import InputError
from sdc1.logs import job_log, log_progress
from sdc1.validate import check_background_rms

with job_log(snakemake.log[0]) as logger:
    image = snakemake.input[0]
    box, step = snakemake.params.rms_box
    try:
        grid = compute_background(
            image,
            box,
            step,
            threads=snakemake.threads,
            progress=log_progress(logger, "bands of boxes"),
        )
    except InputError as exc:
        blank = "non-blank" in str(exc)
        hint = " (a blank image, or a primary beam below pb_correct.min_pb everywhere?)" if blank else ""
        raise InputError(f"{image}: {exc}{hint}") from None
    check_background_rms(grid.rms, image)
    logger.info(
        "%dx%d nodes, median rms %.3g, median mean %.3g",
        *grid.rms.shape, float(grid.rms.mean()), float(grid.mean.mean()),
    )
    save_grid(grid, snakemake.output[0])
