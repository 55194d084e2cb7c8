# PyBDSF source lists to SDC1 catalogues, each source's reliability from the negated
# image's detections, then out-of-fold calibration against truth.


rule catalogue:
    input:
        sources="results/{dataset}/sources/{freq}mhz.parquet",
        gaussians="results/{dataset}/sources/{freq}mhz_gaussians.parquet",
        negated="results/{dataset}/sources/{freq}mhz_negated.parquet",
        image="results/{dataset}/pbcor/{freq}mhz.fits",
        primary_beam=get_primary_beam,
        # A tiled image's own peak threshold is its reliability model's S/N floor.
        peak_threshold=get_peak_threshold,
    output:
        "results/{dataset}/catalogues/{freq}mhz_measured.csv",
    log:
        "logs/{dataset}/catalogue/{freq}.log",
    benchmark:
        "benchmarks/{dataset}/catalogue/{freq}.tsv"
    conda:
        "../envs/sdc1.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    params:
        catalogue=get_catalogue_settings(),
    script:
        "../scripts/catalogue.py"


rule calibrate:
    input:
        catalogue="results/{dataset}/catalogues/{freq}mhz_measured.csv",
        image="results/{dataset}/pbcor/{freq}mhz.fits",
        truth=get_truth,
    output:
        "results/{dataset}/catalogues/{freq}mhz.csv",
    log:
        "logs/{dataset}/calibrate/{freq}.log",
    benchmark:
        "benchmarks/{dataset}/calibrate/{freq}.tsv"
    conda:
        "../envs/sdc1.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        calibrate=canonical(config["calibrate"]),
        match_value=config["catalogue"]["match_value"],
    script:
        "../scripts/calibrate.py"
