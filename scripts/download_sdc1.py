"""Snakemake entry point: fetch one frequency of the official SDC1 data (mirror first, resumable, checked)."""

from pathlib import Path

from sdc1.download import fetch_file, find_entry, load_manifest
from sdc1.io import read_sdc1_catalogue, write_sdc1_truth
from sdc1.logs import job_log
from sdc1.validate import check_image, check_primary_beam, check_truth_catalogue

with job_log(snakemake.log[0]) as logger:
    manifest = load_manifest(snakemake.input.manifest)
    freq = int(snakemake.wildcards.freq)
    mirror = snakemake.params.mirror
    image = find_entry(manifest, "sdc1", role="image", freq_mhz=freq, depth_h=snakemake.params.depth)
    fetch_file(image, snakemake.output.image, mirror=mirror, progress=True)
    check_image(snakemake.output.image, freq)
    fetch_file(find_entry(manifest, "sdc1", role="primary_beam", freq_mhz=freq), snakemake.output.pb,
               mirror=mirror, progress=True)
    check_primary_beam(snakemake.output.pb, snakemake.output.image, freq_mhz=freq)
    # The published truth keeps its own header lines; the workflow's copy is plain SDC1 format.
    truth = find_entry(manifest, "sdc1", role="full_truth", freq_mhz=freq)
    raw = Path(snakemake.output.truth).with_name(truth.name)
    fetch_file(truth, raw, mirror=mirror, progress=True)
    check_truth_catalogue(raw, skiprows=truth.header_lines)
    write_sdc1_truth(read_sdc1_catalogue(raw, skiprows=truth.header_lines), snakemake.output.truth)
    logger.info("%d MHz, %d h: image, primary beam and truth in place", freq, snakemake.params.depth)
