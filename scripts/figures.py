"""Snakemake entry point: the report figures of one frequency."""

from sdc1.figures import FIGURE_NAMES, frequency_figures, save_figures
from sdc1.io import read_image, read_json, read_sdc1_catalogue, read_table
from sdc1.logs import job_log
from sdc1.model import load_model

with job_log(snakemake.log[0]) as logger:
    freq = int(snakemake.wildcards.freq)
    predictions = read_table(snakemake.input.predictions)
    image, header = read_image(snakemake.input.image)
    figures, n_matched = frequency_figures(
        freq,
        image,
        header,
        predictions,
        read_sdc1_catalogue(snakemake.input.truth[0]),
        read_json(snakemake.input.scores),
        load_model(snakemake.input.model),
        zoom_px=snakemake.params.zoom_px,
        match_radius_beams=snakemake.params.match_radius_beams,
        top_features=snakemake.params.top_features,
    )
    paths = {name: getattr(snakemake.output, name) for name in FIGURE_NAMES}
    save_figures(figures, paths, snakemake.params.dpi)
    logger.info("%d detections, %d matched; figures written", len(predictions), n_matched)
