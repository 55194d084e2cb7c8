"""Snakemake entry point: classes and calibrated probabilities into the SDC1 submission."""

import joblib

from sdc1.classify import CLASSES, predictions_for
from sdc1.io import read_table, write_sdc1_catalogue, write_table
from sdc1.logs import job_log

with job_log(snakemake.log[0]) as logger:
    catalogue = read_table(snakemake.input.catalogue)
    probabilities = read_table(snakemake.input.probabilities)
    bundle = joblib.load(snakemake.input.model)
    primary = bundle["primary"]
    if bundle.get("fallback"):
        logger.warning("no classifier for %s MHz (%s): every source is class %d",
                       snakemake.wildcards.freq, bundle["fallback"]["reason"], bundle["fallback"]["class"])
    table = catalogue.merge(probabilities, on="id", validate="1:1")
    for feature_set in dict.fromkeys((primary, "single")):
        weights = bundle[feature_set].get("decision_weights")
        logger.info("%s features: decision weights %s", feature_set, weights)
        classes, probs = predictions_for(table, feature_set, weights)
        table[f"class_{feature_set}"] = classes
        table[f"confidence_{feature_set}"] = probs.max(axis=1) if len(probs) else []
    table["class"] = table[f"class_{primary}"]
    counts = {c: int((table["class"] == c).sum()) for c in CLASSES}
    logger.info("predicted classes (%s features): %s", primary, counts)
    write_sdc1_catalogue(table, snakemake.output.submission)
    write_table(table, snakemake.output.predictions)
