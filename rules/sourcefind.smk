# PyBDSF source finding on the primary-beam-corrected image.
#
# The background (mean, rms) is computed once per image on PyBDSF's box grid
# (`background`), and every PyBDSF run reads its slice of it, so tiled and
# untiled runs threshold every pixel identically. With `sourcefind.tile_size: 0`
# one `find_sources` job measures the whole image; otherwise the checkpoint
# `plan_tiles` cuts it into overlapping tiles (one `find_sources_tile` job each,
# ~190 bytes/pixel plus 250 MB of memory) and `merge_tiles` keeps each source
# from the tile whose core holds it. Both paths write the same two tables. The
# default, `tile_size: auto`, keeps an image whole when PyBDSF on it fits
# `job_mem_mb`, and otherwise cuts tiles that fit it and share the work evenly.

include: "tiling.smk"


rule background:
    input:
        "results/{dataset}/pbcor/{freq}mhz.fits",
    output:
        "results/{dataset}/background/{freq}mhz.npz",
    params:
        rms_box=config["sourcefind"]["rms_box"],
    log:
        "logs/{dataset}/background/{freq}.log",
    benchmark:
        "benchmarks/{dataset}/background/{freq}.tsv"
    threads: 2
    resources:
        mem_mb=2000,
        runtime=120,
    conda:
        "../envs/sdc1.yaml"
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
            memory="benchmarks/{dataset}/find_sources/{freq}.memory.tsv",
        params:
            pybdsf=PYBDSF_SETTINGS,
        log:
            "logs/{dataset}/find_sources/{freq}.log",
        benchmark:
            "benchmarks/{dataset}/find_sources/{freq}.tsv"
        threads: 1
        resources:
            mem_mb=image_mem_mb,
            runtime=120,
        conda:
            "../envs/sdc1.yaml"
        script:
            "../scripts/find_sources.py"

else:

    checkpoint plan_tiles:
        input:
            image="results/{dataset}/pbcor/{freq}mhz.fits",
            background="results/{dataset}/background/{freq}mhz.npz",
        output:
            "results/{dataset}/tiles/{freq}mhz/tiles.json",
        params:
            tiling=TILING_SETTINGS,
        log:
            "logs/{dataset}/plan_tiles/{freq}.log",
        benchmark:
            "benchmarks/{dataset}/plan_tiles/{freq}.tsv"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=30,
        conda:
            "../envs/sdc1.yaml"
        script:
            "../scripts/plan_tiles.py"

    rule find_sources_tile:
        input:
            image="results/{dataset}/pbcor/{freq}mhz.fits",
            background="results/{dataset}/background/{freq}mhz.npz",
            plan="results/{dataset}/tiles/{freq}mhz/tiles.json",
        output:
            sources="results/{dataset}/tiles/{freq}mhz/{tile}.parquet",
            gaussians="results/{dataset}/tiles/{freq}mhz/{tile}_gaussians.parquet",
            memory="benchmarks/{dataset}/find_sources_tile/{freq}_{tile}.memory.tsv",
        params:
            pybdsf=PYBDSF_SETTINGS,
        log:
            "logs/{dataset}/find_sources_tile/{freq}_{tile}.log",
        benchmark:
            "benchmarks/{dataset}/find_sources_tile/{freq}_{tile}.tsv"
        threads: 1
        resources:
            mem_mb=tile_mem_mb,
            runtime=120,
        conda:
            "../envs/sdc1.yaml"
        script:
            "../scripts/find_sources.py"

    rule merge_tiles:
        input:
            unpack(planned_tiles),
        output:
            sources="results/{dataset}/sources/{freq}mhz.parquet",
            gaussians="results/{dataset}/sources/{freq}mhz_gaussians.parquet",
        log:
            "logs/{dataset}/merge_tiles/{freq}.log",
        benchmark:
            "benchmarks/{dataset}/merge_tiles/{freq}.tsv"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=30,
        conda:
            "../envs/sdc1.yaml"
        script:
            "../scripts/merge_tiles.py"
