"""Snakemake entry point: a tiled image's peak threshold, chosen on its pilot tiles."""

from sdc1.io import read_table
from sdc1.logs import job_log
from sdc1.peak_threshold import choose_peak_threshold, log_peak_threshold, write_peak_threshold
from sdc1.tiles import read_plan

with job_log(snakemake.log[0]) as logger:
    settings = snakemake.params.peak_threshold
    threshold = choose_peak_threshold(
        read_plan(snakemake.input.plan),
        [
            (read_table(sources), read_table(negated))
            for sources, negated in zip(
                snakemake.input.get("sources", []), snakemake.input.get("negated", [])
            )
        ],
        floor=settings["floor"],
        margin=settings["margin"],
        match_value=settings["match_value"],
    )
    log_peak_threshold(threshold, logger)
    write_peak_threshold(threshold, snakemake.output[0])
