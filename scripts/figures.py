"""Snakemake entry point: the report figures of one frequency."""

import json

import joblib
import numpy as np
from astropy.wcs import WCS

from sdc1 import plots
from sdc1.match import match_to_truth
from sdc1.beam import beam_arcsec_from_header
from sdc1.io import atomic_path, celestial_header, read_image, read_sdc1_catalogue, read_table
from sdc1.logs import job_log


def save(fig, path):
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=snakemake.params.dpi)


def zoom(image, size):
    """The central ``size``-pixel square (clipped to the image) and its lower-left corner."""
    ny, nx = image.shape
    half = size // 2
    y0, x0 = max(ny // 2 - half, 0), max(nx // 2 - half, 0)
    return np.array(image[y0 : y0 + size, x0 : x0 + size], dtype=float), x0, y0


with job_log(snakemake.log[0]) as logger:
    freq = int(snakemake.wildcards.freq)
    out = snakemake.output
    predictions = read_table(snakemake.input.predictions)
    truth = read_sdc1_catalogue(snakemake.input.truth[0])
    with open(snakemake.input.scores) as handle:
        scores = json.load(handle)
    image, header = read_image(snakemake.input.image)
    wcs = WCS(celestial_header(header))

    cut, x0, y0 = zoom(image, snakemake.params.zoom_px)
    x, y = wcs.world_to_pixel_values(predictions["ra_core"].to_numpy(), predictions["dec_core"].to_numpy())
    inside = (x >= x0 - 0.5) & (x < x0 + cut.shape[1] - 0.5) & (y >= y0 - 0.5) & (y < y0 + cut.shape[0] - 0.5)
    save(plots.image_overlay(cut, x[inside] - x0, y[inside] - y0, predictions["class"].to_numpy()[inside],
                             title=f"{freq} MHz: central {cut.shape[1]}x{cut.shape[0]} px, detections by class"),
         out.image)

    save(plots.source_counts(predictions["flux"].to_numpy(), truth["flux"].to_numpy(),
                             title=f"{freq} MHz: differential source counts"), out.counts)

    matches = match_to_truth(predictions, truth, beam_arcsec_from_header(header),
                             radius_beams=snakemake.params.match_radius_beams)
    detected_matched = predictions.index.isin(matches["cat_index"])
    truth_matched = truth.index.isin(matches["truth_index"])
    # Truth outside the image cannot be detected: judge completeness on the image's footprint.
    tx, ty = wcs.world_to_pixel_values(truth["ra_core"].to_numpy(), truth["dec_core"].to_numpy())
    on_image = (tx >= -0.5) & (tx < image.shape[1] - 0.5) & (ty >= -0.5) & (ty < image.shape[0] - 0.5)
    save(plots.completeness_reliability(truth["flux"].to_numpy()[on_image], truth_matched[on_image],
                                        predictions["flux"].to_numpy(), detected_matched,
                                        title=f"{freq} MHz: completeness and reliability"), out.completeness)

    matched = predictions.loc[matches["cat_index"]]
    save(plots.flux_ratio_vs_snr(matched["snr"].to_numpy(), matched["flux"].to_numpy(), matches["flux_t"].to_numpy(),
                                 title=f"{freq} MHz: flux recovery"), out.flux_ratio)

    classification = scores["classification"]
    cm = classification["confusion_matrix"]
    save(plots.confusion_matrix(cm["matrix"], cm["labels"],
                                title=f"{freq} MHz: confusion matrix (macro F1 {classification['macro_f1'] or 0:.2f})"),
         out.confusion)
    save(plots.reliability_diagram(classification.get("reliability", {}),
                                   title=f"{freq} MHz: probability calibration"), out.calibration)

    bundle = joblib.load(snakemake.input.model)
    save(plots.feature_importances(bundle[bundle["primary"]]["importances"], top=snakemake.params.top_features,
                                   title=f"{freq} MHz: feature importances ({bundle['primary']})"), out.importances)
    logger.info("%d detections, %d matched; figures written", len(predictions), len(matches))
