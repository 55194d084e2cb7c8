"""Snakemake entry point: plan the image's tiles (from its header, and its work when auto)."""

from sdc1.logs import job_log
from sdc1.tiling import plan_image_tiles, write_plan

with job_log(snakemake.log[0]) as logger:
    settings = dict(snakemake.params.tiling)
    plan = plan_image_tiles(snakemake.input.image, snakemake.input.background, **settings)
    logger.info("%dx%d image: %s", *plan.shape, plan.reason)
    for i, (tile, mem_mb) in enumerate(zip(plan.tiles, plan.memory_mb())):
        work = "" if plan.work is None else f", work {plan.work[i] / (sum(plan.work) or 1):.1%}"
        logger.info("tile %s: %dx%d px, predicted peak %d MB%s", tile.name, *tile.shape[::-1], mem_mb, work)
    write_plan(plan, plan.shape, snakemake.output[0], **settings)
