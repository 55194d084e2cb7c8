"""Snakemake entry point: PyBDSF on the whole image or one tile, and negated, memory profiled.

Used by the rules ``find_sources`` (the whole image) and ``find_sources_tile``
(the tile named by the ``tile`` wildcard, from the plan; at the image's chosen
peak threshold when it is not a pilot tile). Both read the image's
shared background grid; see :func:`sdc1.find_sources.find_sources_job`.
"""

from sdc1.find_sources import find_sources_job
from sdc1.io import write_table
from sdc1.logs import job_log
from sdc1.memory import write_memory_timeline
from sdc1.peak_threshold import read_peak_threshold

with job_log(snakemake.log[0]) as logger:
    tiled = "tile" in snakemake.wildcards.keys()
    settings = dict(snakemake.params.pybdsf)
    if tiled and snakemake.input.get("peak_threshold"):
        # Not a pilot tile: searched at the image's threshold, chosen on the pilot tiles.
        settings["thresh_pix"] = read_peak_threshold(snakemake.input.peak_threshold[0]).thresh_pix
        logger.info("peak threshold %.2f, chosen on the pilot tiles", settings["thresh_pix"])
    found = find_sources_job(
        snakemake.input.image,
        snakemake.input.background,
        settings,
        plan_path=snakemake.input.plan if tiled else None,
        tile_name=snakemake.wildcards.tile if tiled else None,
        ncores=snakemake.threads,
    )
    write_table(found.sources, snakemake.output.sources)
    write_table(found.gaussians, snakemake.output.gaussians)
    write_table(found.negated, snakemake.output.negated)
    write_memory_timeline(found.memory, snakemake.output.memory)
