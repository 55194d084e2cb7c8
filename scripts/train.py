"""Snakemake entry point: train the calibrated random forests of one frequency, and its card.

Where no classifier can be trained, every source falls back to class 3 (SFG): the model's
``fallback`` says so and why (logged here, repeated in the score file).
"""

from sdc1.classify import ClassifierSettings
from sdc1.io import read_table, write_table
from sdc1.logs import job_log
from sdc1.model import save_model, train_frequency
from sdc1.model_card import make_model_card, write_model_card

with job_log(snakemake.log[0]) as logger:
    freq = int(snakemake.wildcards.freq)
    features = read_table(snakemake.input.features)
    labels = read_table(snakemake.input.labels)
    table = features[features["freq"] == freq].merge(labels, on="id", validate="1:1")
    model, probabilities = train_frequency(
        table, freq, ClassifierSettings(**snakemake.params.classifier), n_jobs=snakemake.threads
    )
    logger.info(
        "%d labelled training sources; importances %s",
        model.n_labelled,
        model.primary_model.importances,
    )
    save_model(model, snakemake.output.model)
    write_table(probabilities, snakemake.output.probabilities)
    write_model_card(
        make_model_card(
            model,
            dataset=snakemake.wildcards.dataset,
            frequencies=snakemake.params.frequencies,
            classifier=snakemake.params.classifier,
            joblib_path=snakemake.output.model,
        ),
        snakemake.output.card,
    )
