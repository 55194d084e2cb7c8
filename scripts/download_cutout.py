"""Snakemake entry point: fetch a real SDC1 cutout, its primary beam and truth (mirror first, md5-checked)."""

from sdc1.download import find_entry, load_manifest, fetch_file
from sdc1.logs import job_log

with job_log(snakemake.log[0]) as logger:
    manifest = load_manifest(snakemake.input.manifest)
    freq = int(snakemake.wildcards.freq)
    wanted = {
        snakemake.output.image: dict(role="image", name=snakemake.params.image_name),
        snakemake.output.pb: dict(role="primary_beam"),
        snakemake.output.truth: dict(role="truth"),
    }
    for dest, criteria in wanted.items():
        entry = find_entry(manifest, "sdc1_cutout", freq_mhz=freq, **criteria)
        fetch_file(entry, dest, mirror=snakemake.params.mirror, progress=False)
        logger.info("%s <- %s", dest, entry.name)
