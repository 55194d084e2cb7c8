# PyBDSF source finding on the primary-beam-corrected image.


rule find_sources:
    input:
        "results/{dataset}/pbcor/{freq}mhz.fits",
    output:
        sources="results/{dataset}/sources/{freq}mhz.parquet",
        gaussians="results/{dataset}/sources/{freq}mhz_gaussians.parquet",
    params:
        sourcefind=config["sourcefind"],
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
