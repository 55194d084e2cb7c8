"""Snakemake entry point: classify one frequency with a model trained by another run."""

import shutil

from sdc1.io import read_table, write_table
from sdc1.logs import job_log
from sdc1.model import apply_model, load_model, save_model
from sdc1.model_card import read_model_card

with job_log(snakemake.log[0]) as logger:
    freq = int(snakemake.wildcards.freq)
    card = read_model_card(snakemake.input.given_card)
    features = read_table(snakemake.input.features)
    model, probabilities = apply_model(
        features[features["freq"] == freq],
        load_model(snakemake.input.given_model),
        snakemake.params.feature_set,
        trained_on=card.dataset,
    )
    logger.info(
        "%d MHz: %s classifier trained on %s (%d labelled sources, sdc1 %s, scikit-learn %s)",
        freq,
        model.primary,
        card.dataset,
        card.n_labelled,
        card.packages["sdc1"],
        card.packages["scikit-learn"],
    )
    save_model(model, snakemake.output.model)
    write_table(probabilities, snakemake.output.probabilities)
    shutil.copyfile(snakemake.input.given_card, snakemake.output.card)
