"""Snakemake entry point: ska-sdc score, classification metrics and baselines."""

import joblib
from astropy.io import fits

from sdc1.score import score_frequency
from sdc1.io import read_sdc1_catalogue, read_table, write_json
from sdc1.logs import job_log
from sdc1.sky import image_inside_training_area

with job_log(snakemake.log[0]) as logger:
    freq = int(snakemake.wildcards.freq)
    # Images wholly inside the training area (the real cutouts) can only be scored there.
    whole_image_training = image_inside_training_area(fits.getheader(snakemake.input.image), freq)
    bundle = joblib.load(snakemake.input.model)
    fallback = bundle.get("fallback")
    if fallback:
        logger.warning("%d MHz: classes are the fallback (every source class %d): %s",
                       freq, fallback["class"], fallback["reason"])
    result = score_frequency(
        read_table(snakemake.input.predictions),
        read_table(snakemake.input.labels),
        read_sdc1_catalogue(snakemake.input.truth[0]),
        freq,
        whole_image_training=whole_image_training,
        primary=bundle["primary"],
        mode=snakemake.params.mode,
        fallback=fallback,
        snr_floors=tuple(snakemake.params.snr_floors),
    )
    logger.info(
        "score %.1f, macro F1 %s (all-SFG %s, single-frequency %s) on %d sources",
        result["score"], result["classification"]["macro_f1"],
        result["baselines"]["all_sfg"]["macro_f1"], result["baselines"]["single_frequency"]["macro_f1"],
        result["classification"]["n_sources"],
    )
    write_json(result, snakemake.output[0])
