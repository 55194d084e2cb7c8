"""Snakemake entry point: the cross-frequency feature table."""

from astropy.io import fits

from sdc1.features import build_feature_table, counterpart_summary
from sdc1.io import read_table, write_table
from sdc1.logs import job_log

with job_log(snakemake.log[0]) as logger:
    freqs = snakemake.params.freqs
    images = dict(zip(freqs, snakemake.input.images))
    table = build_feature_table(
        {f: read_table(p) for f, p in zip(freqs, snakemake.input.catalogues)},
        {f: fits.getheader(p) for f, p in images.items()},
        radius_beams=snakemake.params.radius_beams,
        images=images,
        forced_max_beam_ratio=snakemake.params.forced_max_beam_ratio,
    )
    for line in counterpart_summary(table, freqs):
        logger.info("%s", line)
    write_table(table, snakemake.output[0])
