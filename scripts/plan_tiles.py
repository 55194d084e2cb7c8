"""Snakemake entry point: plan the image's tiles (from its header, and its work when auto).

The plan and each tile's size, predicted memory and work share are logged by
:func:`sdc1.tiles.plan_image_tiles`.
"""

from sdc1.logs import job_log
from sdc1.tiles import plan_image_tiles, write_plan

with job_log(snakemake.log[0]):
    settings = dict(snakemake.params.tiling)
    plan = plan_image_tiles(snakemake.input.image, snakemake.input.background, **settings)
    write_plan(plan, plan.shape, snakemake.output[0], **settings)
