"""Snakemake entry point: render one frequency of the synthetic sky."""

from sdc1.logs import job_log
from sdc1.simulate.dataset import preset_sizes, write_synthetic_field

with job_log(snakemake.log[0]) as logger:
    summary = write_synthetic_field(
        int(snakemake.wildcards.freq),
        sizes_px=preset_sizes(snakemake.params.preset),
        depth_h=snakemake.params.depth_h,
        seed=snakemake.params.seed,
        population_params=snakemake.input.population,
        noise=snakemake.params.noise_rms,
        flux_scale=snakemake.params.flux_scale,
        threads=snakemake.threads,
        image_path=snakemake.output.image,
        pb_path=snakemake.output.pb,
        truth_path=snakemake.output.truth,
    )
    logger.info("synthetic field: %s", summary)
