# ska-sdc scores, classification metrics and baselines, per frequency.


rule score:
    input:
        predictions="results/{dataset}/predictions/{freq}mhz.csv",
        labels="results/{dataset}/labels/{freq}mhz.parquet",
        model="results/{dataset}/model/{freq}mhz.joblib",
        truth=get_truth,
        image="results/{dataset}/pbcor/{freq}mhz.fits",
    output:
        "results/{dataset}/scores/{freq}mhz.json",
    log:
        "logs/{dataset}/score/{freq}.log",
    benchmark:
        "benchmarks/{dataset}/score/{freq}.tsv"
    conda:
        "../envs/sdc1.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        mode=config["score"]["mode"],
        snr_floors=config["score"]["snr_floors"],
        bootstrap=canonical(config["score"]["bootstrap"]),
    script:
        "../scripts/score.py"
