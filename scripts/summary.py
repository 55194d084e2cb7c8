"""Snakemake entry point: summary table over frequencies and stages (Markdown, JSON, HTML)."""

import json

from sdc1.io import atomic_path, write_json
from sdc1.logs import job_log
from sdc1.summary import render_html, render_markdown, summarise

with job_log(snakemake.log[0]) as logger:
    scores = []
    for path in snakemake.input.scores:
        with open(path) as handle:
            scores.append(json.load(handle))
    summary = summarise(snakemake.wildcards.dataset, scores, snakemake.params.benchmark_dir)
    write_json(summary, snakemake.output.json)
    for text, path in ((render_markdown(summary), snakemake.output.markdown), (render_html(summary), snakemake.output.html)):
        with atomic_path(path) as tmp:
            tmp.write_text(text)
    logger.info("%d frequencies, %d stages summarised", len(summary["frequencies"]), len(summary["stages"]))
