"""Snakemake entry point: train the calibrated random forests of one frequency.

Where no classifier can be trained (no labelled sources in the training area, or fewer
than two classes with enough members), every source falls back to class 3 (SFG); the
bundle's ``fallback`` says so and why, and the score file repeats it.
"""

import joblib

from sdc1.classify import FALLBACK_CLASS, ClassifierSettings, fallback_reason, train_frequency
from sdc1.io import atomic_path, read_table, write_table
from sdc1.logs import job_log

with job_log(snakemake.log[0]) as logger:
    freq = int(snakemake.wildcards.freq)
    settings = ClassifierSettings(**snakemake.params.classifier)
    features = read_table(snakemake.input.features)
    table = features[features["freq"] == freq].merge(read_table(snakemake.input.labels), on="id", validate="1:1")
    bundle, probabilities = train_frequency(table, freq, settings, n_jobs=snakemake.threads)
    bundle["fallback"] = None
    if bundle[bundle["primary"]]["model"] is None:
        training = table["in_training_area"].astype(bool) & table["true_class"].notna()
        reason = fallback_reason(table.loc[training, "true_class"], freq, settings.calibration_folds)
        bundle["fallback"] = {"class": FALLBACK_CLASS, "reason": reason}
        logger.warning("%d MHz: no classifier: every source falls back to class %d (SFG): %s",
                       freq, FALLBACK_CLASS, reason)
    logger.info("%d labelled training sources; importances %s", bundle["n_labelled"],
                bundle[bundle["primary"]]["importances"])
    with atomic_path(snakemake.output.model) as tmp:
        joblib.dump(bundle, tmp)
    write_table(probabilities, snakemake.output.probabilities)
