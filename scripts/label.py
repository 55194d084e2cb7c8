"""Snakemake entry point: truth labels of the measured sources."""

import numpy as np
import pandas as pd
from astropy.io import fits

from sdc1.beam import beam_arcsec_from_header
from sdc1.classify import label_sources
from sdc1.io import read_sdc1_catalogue, read_table, write_table
from sdc1.logs import job_log
from sdc1.sky import in_training_area
from sdc1.validate import check_truth_catalogue

with job_log(snakemake.log[0]) as logger:
    freq = int(snakemake.wildcards.freq)
    catalogue = read_table(snakemake.input.catalogue)
    if snakemake.input.truth:
        check_truth_catalogue(snakemake.input.truth[0])
        header = fits.getheader(snakemake.input.image)
        labels = label_sources(
            catalogue, read_sdc1_catalogue(snakemake.input.truth[0]), freq,
            beam_arcsec_from_header(header), radius_beams=snakemake.params.radius_beams,
        )
    else:
        logger.info("no truth catalogue: no labels, classification falls back to SFG")
        labels = pd.DataFrame({
            "id": catalogue["id"], "true_class": np.nan,
            "in_training_area": in_training_area(catalogue["ra_core"], catalogue["dec_core"], freq),
        })
    logger.info(
        "%d sources, %d matched to truth, %d labelled in the training area",
        len(labels), int(labels["true_class"].notna().sum()),
        int((labels["true_class"].notna() & labels["in_training_area"]).sum()),
    )
    write_table(labels, snakemake.output[0])
