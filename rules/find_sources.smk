# PyBDSF source finding on the primary-beam-corrected image.
#
# The background (mean, rms) is computed once per image on PyBDSF's box grid
# (`background`), and every PyBDSF run reads its slice of it, so tiled and
# untiled runs threshold every pixel identically. With `sourcefind.tile_size: 0`
# one `find_sources` job measures the whole image; otherwise the checkpoint
# `plan_tiles` cuts it into overlapping tiles (one `find_sources_tile` job each,
# its memory predicted by the plan) and `merge_tiles` keeps each source from the
# tile whose core holds it. Both paths write the same two tables. The default,
# `tile_size: auto`, keeps an image whole when PyBDSF on it fits `job_mem_mb`,
# and otherwise cuts tiles that fit it and share the work evenly. A tiled image's
# pilot tiles (those whose negated image is searched) go first, at `thresh_pix`;
# `choose_peak_threshold` sets the image's own peak threshold from them
# (`sourcefind.peak_threshold_margin` below where its reliability cut starts), and
# the other tiles are searched at it: noise-dominated images fit far fewer noise
# islands, and the merged tables are those of a search at that threshold.


rule background:
    input:
        "results/{dataset}/pbcor/{freq}mhz.fits",
    output:
        "results/{dataset}/background/{freq}mhz.npz",
    log:
        "logs/{dataset}/background/{freq}.log",
    benchmark:
        "benchmarks/{dataset}/background/{freq}.tsv"
    conda:
        "../envs/sdc1.yaml"
    threads: 2
    resources:
        mem_mb=2000,
        runtime=120,
    params:
        rms_box=config["sourcefind"]["rms_box"],
    script:
        "../scripts/background.py"


if config["sourcefind"]["tile_size"] == 0:

    rule find_sources:
        input:
            image="results/{dataset}/pbcor/{freq}mhz.fits",
            background="results/{dataset}/background/{freq}mhz.npz",
        output:
            sources="results/{dataset}/sources/{freq}mhz.parquet",
            gaussians="results/{dataset}/sources/{freq}mhz_gaussians.parquet",
            negated="results/{dataset}/sources/{freq}mhz_negated.parquet",
            memory="benchmarks/{dataset}/find_sources/{freq}.memory.tsv",
        log:
            "logs/{dataset}/find_sources/{freq}.log",
        benchmark:
            "benchmarks/{dataset}/find_sources/{freq}.tsv"
        conda:
            "../envs/sdc1.yaml"
        threads: 1
        resources:
            mem_mb=get_image_mem_mb,
            runtime=120,
        params:
            pybdsf=get_pybdsf_settings(),
        script:
            "../scripts/find_sources.py"

else:

    checkpoint plan_tiles:
        input:
            image="results/{dataset}/pbcor/{freq}mhz.fits",
            background="results/{dataset}/background/{freq}mhz.npz",
        output:
            "results/{dataset}/tiles/{freq}mhz/tiles.json",
        log:
            "logs/{dataset}/plan_tiles/{freq}.log",
        benchmark:
            "benchmarks/{dataset}/plan_tiles/{freq}.tsv"
        conda:
            "../envs/sdc1.yaml"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=30,
        params:
            tiling=get_tiling_settings(),
        script:
            "../scripts/plan_tiles.py"

    if config["sourcefind"]["tile_jobs"] == "image":

        rule find_sources_tiles:
            input:
                image="results/{dataset}/pbcor/{freq}mhz.fits",
                background="results/{dataset}/background/{freq}mhz.npz",
                plan="results/{dataset}/tiles/{freq}mhz/tiles.json",
            output:
                sources="results/{dataset}/sources/{freq}mhz.parquet",
                gaussians="results/{dataset}/sources/{freq}mhz_gaussians.parquet",
                negated="results/{dataset}/sources/{freq}mhz_negated.parquet",
                peak_threshold="results/{dataset}/tiles/{freq}mhz/peak_threshold.json",
                memory="benchmarks/{dataset}/find_sources_tiles/{freq}.memory.tsv",
            log:
                "logs/{dataset}/find_sources_tiles/{freq}.log",
            benchmark:
                "benchmarks/{dataset}/find_sources_tiles/{freq}.tsv"
            conda:
                "../envs/sdc1.yaml"
            # As many tiles at once as this (at most --cores locally; a node job sets its own).
            threads: 32
            resources:
                # The tiles running at once share this; a node-sized job (profiles/slurm) sets more.
                mem_mb=config["sourcefind"]["job_mem_mb"],
                runtime=240,
            params:
                pybdsf=get_pybdsf_settings(),
                peak_threshold=get_peak_threshold_settings(),
            script:
                "../scripts/find_sources_tiles.py"

    else:

        rule find_sources_tile:
            input:
                image="results/{dataset}/pbcor/{freq}mhz.fits",
                background="results/{dataset}/background/{freq}mhz.npz",
                plan="results/{dataset}/tiles/{freq}mhz/tiles.json",
                # Tiles other than the pilots are searched at the image's chosen threshold.
                peak_threshold=get_tile_peak_threshold,
            output:
                sources="results/{dataset}/tiles/{freq}mhz/{tile}.parquet",
                gaussians="results/{dataset}/tiles/{freq}mhz/{tile}_gaussians.parquet",
                negated="results/{dataset}/tiles/{freq}mhz/{tile}_negated.parquet",
                memory="benchmarks/{dataset}/find_sources_tile/{freq}_{tile}.memory.tsv",
            log:
                "logs/{dataset}/find_sources_tile/{freq}_{tile}.log",
            benchmark:
                "benchmarks/{dataset}/find_sources_tile/{freq}_{tile}.tsv"
            conda:
                "../envs/sdc1.yaml"
            threads: 1
            resources:
                mem_mb=get_tile_mem_mb,
                runtime=120,
            params:
                pybdsf=get_pybdsf_settings(),
            script:
                "../scripts/find_sources.py"

        rule choose_peak_threshold:
            input:
                unpack(get_pilot_tiles),
            output:
                "results/{dataset}/tiles/{freq}mhz/peak_threshold.json",
            log:
                "logs/{dataset}/choose_peak_threshold/{freq}.log",
            benchmark:
                "benchmarks/{dataset}/choose_peak_threshold/{freq}.tsv"
            conda:
                "../envs/sdc1.yaml"
            threads: 1
            resources:
                mem_mb=2000,
                runtime=10,
            params:
                peak_threshold=get_peak_threshold_settings(),
            script:
                "../scripts/choose_peak_threshold.py"

        rule merge_tiles:
            input:
                unpack(get_planned_tiles),
                peak_threshold="results/{dataset}/tiles/{freq}mhz/peak_threshold.json",
            output:
                sources="results/{dataset}/sources/{freq}mhz.parquet",
                gaussians="results/{dataset}/sources/{freq}mhz_gaussians.parquet",
                negated="results/{dataset}/sources/{freq}mhz_negated.parquet",
            log:
                "logs/{dataset}/merge_tiles/{freq}.log",
            benchmark:
                "benchmarks/{dataset}/merge_tiles/{freq}.tsv"
            conda:
                "../envs/sdc1.yaml"
            threads: 1
            resources:
                mem_mb=2000,
                runtime=30,
            script:
                "../scripts/merge_tiles.py"
