"""Snakemake entry point: PyBDSF on the whole image or one tile, and negated, memory profiled.

Used by the rules ``find_sources`` (the whole image) and ``find_sources_tile``
(the tile named by the ``tile`` wildcard, from the plan). Both read the image's
shared background grid; see :func:`sdc1.find_sources.find_sources_job`.
"""

from sdc1.find_sources import find_sources_job
from sdc1.io import write_table
from sdc1.logs import job_log
from sdc1.memory import write_memory_timeline

with job_log(snakemake.log[0]):
    tiled = "tile" in snakemake.wildcards.keys()
    found = find_sources_job(
        snakemake.input.image,
        snakemake.input.background,
        snakemake.params.pybdsf,
        plan_path=snakemake.input.plan if tiled else None,
        tile_name=snakemake.wildcards.tile if tiled else None,
        ncores=snakemake.threads,
    )
    write_table(found.sources, snakemake.output.sources)
    write_table(found.gaussians, snakemake.output.gaussians)
    write_table(found.negated, snakemake.output.negated)
    write_memory_timeline(found.memory, snakemake.output.memory)
