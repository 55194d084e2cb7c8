"""Snakemake entry point: the cross-frequency feature table."""

from astropy.io import fits

from sdc1.features import build_feature_table
from sdc1.io import read_table, write_table
from sdc1.logs import job_log

with job_log(snakemake.log[0]) as logger:
    freqs = snakemake.params.freqs
    catalogues = {f: read_table(p) for f, p in zip(freqs, snakemake.input.catalogues)}
    headers = {f: fits.getheader(p) for f, p in zip(freqs, snakemake.input.images)}
    images = dict(zip(freqs, snakemake.input.images))
    table = build_feature_table(catalogues, headers, radius_beams=snakemake.params.radius_beams, images=images)
    for freq in freqs:
        rows = table[table["freq"] == freq]
        for other in freqs:
            if other != freq:
                logger.info(
                    "%d MHz: %d sources, %d inside %d MHz image, %d with a counterpart, %d ambiguous",
                    freq, len(rows), int(rows[f"observed_{other}"].sum()), other,
                    int((rows[f"has_match_{other}"] == 1).sum()), int((rows[f"n_match_{other}"] > 1).sum()),
                )
    write_table(table, snakemake.output[0])
