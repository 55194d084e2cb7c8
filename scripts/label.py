"""Snakemake entry point: truth labels of the measured sources."""

from astropy.io import fits

from sdc1.beam import beam_arcsec_from_header
from sdc1.classify import describe_labels, label_sources, labels_without_truth
from sdc1.io import read_sdc1_catalogue, read_table, write_table
from sdc1.logs import job_log
from sdc1.validate import check_truth_catalogue

with job_log(snakemake.log[0]) as logger:
    freq = int(snakemake.wildcards.freq)
    catalogue = read_table(snakemake.input.catalogue)
    if snakemake.input.truth:
        check_truth_catalogue(snakemake.input.truth[0])
        beam = beam_arcsec_from_header(fits.getheader(snakemake.input.image))
        truth = read_sdc1_catalogue(snakemake.input.truth[0])
        labels = label_sources(catalogue, truth, freq, beam, snakemake.params.radius_beams)
    else:
        logger.info("no truth catalogue: no labels, classification falls back to SFG")
        labels = labels_without_truth(catalogue, freq)
    logger.info("%s", describe_labels(labels))
    write_table(labels, snakemake.output[0])
