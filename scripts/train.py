"""Snakemake entry point: train the calibrated random forests of one frequency."""

import joblib

from sdc1.classify import ClassifierSettings, train_frequency
from sdc1.io import atomic_path, read_table, write_table
from sdc1.logs import job_log

with job_log(snakemake.log[0]) as logger:
    freq = int(snakemake.wildcards.freq)
    features = read_table(snakemake.input.features)
    table = features[features["freq"] == freq].merge(read_table(snakemake.input.labels), on="id", validate="1:1")
    bundle, probabilities = train_frequency(
        table, freq, ClassifierSettings(**snakemake.params.classifier), n_jobs=snakemake.threads
    )
    if bundle["n_labelled"] == 0 or bundle[bundle["primary"]]["model"] is None:
        logger.warning("%d MHz: too few labelled sources: every source falls back to class 3 (SFG)", freq)
    logger.info("%d labelled training sources; importances %s", bundle["n_labelled"],
                bundle[bundle["primary"]]["importances"])
    with atomic_path(snakemake.output.model) as tmp:
        joblib.dump(bundle, tmp)
    write_table(probabilities, snakemake.output.probabilities)
