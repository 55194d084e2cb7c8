"""Snakemake entry point: every tile of an image in one job, several at once, merged.

memory-profiler samples the job's memory (its tiles' processes included) every
half second into the ``memory`` output.
"""

from sdc1.io import write_table
from sdc1.logs import job_log
from sdc1.memory import profile_memory, write_memory_timeline
from sdc1.parallel_tiles import find_sources_in_tiles
from sdc1.peak_threshold import write_peak_threshold

with job_log(snakemake.log[0]):
    (sources, gaussians, negated, threshold), timeline = profile_memory(
        find_sources_in_tiles,
        snakemake.input.image,
        snakemake.input.background,
        snakemake.input.plan,
        dict(snakemake.params.pybdsf),
        processes=snakemake.threads,
        mem_mb=snakemake.resources.mem_mb,
        peak_threshold_margin=snakemake.params.peak_threshold["margin"],
        match_value=snakemake.params.peak_threshold["match_value"],
    )
    write_peak_threshold(threshold, snakemake.output.peak_threshold)
    write_table(sources, snakemake.output.sources)
    write_table(gaussians, snakemake.output.gaussians)
    write_table(negated, snakemake.output.negated)
    write_memory_timeline(timeline, snakemake.output.memory)
