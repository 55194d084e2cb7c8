"""Snakemake entry point: ska-sdc score, classification metrics and baselines."""

from astropy.io import fits

from sdc1.io import read_sdc1_catalogue, read_table, write_json
from sdc1.logs import job_log
from sdc1.model import load_model
from sdc1.score import describe_score, score_frequency
from sdc1.sky import image_inside_training_area
from sdc1.uncertainty import BlockBootstrap

with job_log(snakemake.log[0]) as logger:
    freq = int(snakemake.wildcards.freq)
    # Images wholly inside the training area (the real cutouts) can only be scored there.
    header = fits.getheader(snakemake.input.image)
    result = score_frequency(
        read_table(snakemake.input.predictions),
        read_table(snakemake.input.labels),
        read_sdc1_catalogue(snakemake.input.truth[0]),
        freq,
        load_model(snakemake.input.model),
        whole_image_training=image_inside_training_area(header, freq),
        mode=snakemake.params.mode,
        snr_floors=tuple(snakemake.params.snr_floors),
        bootstrap=BlockBootstrap(**snakemake.params.bootstrap),
    )
    logger.info("%s", describe_score(result))
    write_json(result, snakemake.output[0])
