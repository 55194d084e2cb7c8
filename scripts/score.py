"""Snakemake entry point: score a submission with ska-sdc."""

from astropy.io import fits

from sdc1.io import read_sdc1_catalogue, write_json
from sdc1.logs import job_log
from sdc1.score import score_catalogue
from sdc1.sky import image_inside_training_area

with job_log(snakemake.log[0]) as logger:
    freq = int(snakemake.wildcards.freq)
    # Images wholly inside the training area (the real cutouts) can only be scored there.
    train = image_inside_training_area(fits.getheader(snakemake.input.image), freq)
    result = score_catalogue(
        read_sdc1_catalogue(snakemake.input.submission, skiprows=1),
        read_sdc1_catalogue(snakemake.input.truth[0]),
        freq,
        train=train,
        mode=snakemake.params.mode,
    )
    result["train_area"] = train
    logger.info("score %.2f (%s)", result["score"], result)
    write_json(result, snakemake.output[0])
