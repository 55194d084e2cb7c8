"""Snakemake entry point: summary table over frequencies and stages (Markdown, JSON, HTML)."""

from sdc1.logs import job_log
from sdc1.summary import describe_summary, summarise_files, write_summary

with job_log(snakemake.log[0]) as logger:
    summary = summarise_files(
        snakemake.wildcards.dataset, snakemake.input.scores, snakemake.params.benchmark_dir
    )
    write_summary(
        summary,
        markdown=snakemake.output.markdown,
        json_path=snakemake.output.json,
        html=snakemake.output.html,
    )
    logger.info("%s", describe_summary(summary))
