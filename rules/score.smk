# ska-sdc scores, classification metrics and baselines, per frequency.


rule score:
    input:
        predictions="results/{dataset}/predictions/{freq}mhz.csv",
        labels="results/{dataset}/labels/{freq}mhz.parquet",
        model="results/{dataset}/model/{freq}mhz.joblib",
        truth=truth_files,
        image="results/{dataset}/pbcor/{freq}mhz.fits",
    output:
        "results/{dataset}/scores/{freq}mhz.json",
    params:
        mode=config["score"]["mode"],
        snr_floors=config["score"]["snr_floors"],
    log:
        "logs/{dataset}/score/{freq}.log",
    benchmark:
        "benchmarks/{dataset}/score/{freq}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        "../envs/sdc1.yaml"
    script:
        "../scripts/score.py"
