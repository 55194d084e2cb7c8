"""Snakemake entry point: spectral-index distribution per predicted class, across frequencies."""

import pandas as pd

from sdc1 import plots
from sdc1.io import atomic_path, read_table
from sdc1.logs import job_log

with job_log(snakemake.log[0]) as logger:
    features = read_table(snakemake.input.features)
    features["alpha"] = plots.nearest_alpha(features, snakemake.params.freqs)
    predictions = pd.concat(
        [read_table(path)[["id", "class"]].assign(freq=int(freq))
         for freq, path in zip(snakemake.params.freqs, snakemake.input.predictions)],
        ignore_index=True,
    )
    table = features[["freq", "id", "alpha"]].astype({"freq": int, "id": int}).merge(
        predictions, on=["freq", "id"], validate="1:1"
    )
    fig = plots.spectral_index_by_class(table, title="Spectral index to the nearest other frequency, by predicted class")
    with atomic_path(snakemake.output[0]) as tmp:
        fig.savefig(tmp, format="png", dpi=snakemake.params.dpi)
    logger.info("%d sources, %d with a spectral index", len(table), int(table["alpha"].notna().sum()))
