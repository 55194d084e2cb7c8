# Cross-frequency features, truth labels, calibrated random forest, predictions.


rule features:
    input:
        catalogues=expand("results/{{dataset}}/catalogues/{freq}mhz.csv", freq=dataset_frequencies()),
        images=expand("results/{{dataset}}/pbcor/{freq}mhz.fits", freq=dataset_frequencies()),
    output:
        "results/{dataset}/features.parquet",
    params:
        freqs=dataset_frequencies(),
        radius_beams=config["features"]["match_radius_beams"],
    log:
        "logs/{dataset}/features/all.log",
    benchmark:
        "benchmarks/{dataset}/features/all.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        "../envs/sdc1.yaml"
    script:
        "../scripts/features.py"


rule label:
    input:
        catalogue="results/{dataset}/catalogues/{freq}mhz.csv",
        image="results/{dataset}/pbcor/{freq}mhz.fits",
        truth=truth_files,
    output:
        "results/{dataset}/labels/{freq}mhz.parquet",
    params:
        radius_beams=config["label"]["match_radius_beams"],
    log:
        "logs/{dataset}/label/{freq}.log",
    benchmark:
        "benchmarks/{dataset}/label/{freq}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        "../envs/sdc1.yaml"
    script:
        "../scripts/label.py"


rule train:
    input:
        features="results/{dataset}/features.parquet",
        labels="results/{dataset}/labels/{freq}mhz.parquet",
    output:
        model="results/{dataset}/model/{freq}mhz.joblib",
        probabilities="results/{dataset}/model/{freq}mhz_probabilities.parquet",
    params:
        classifier=config["classifier"],
    log:
        "logs/{dataset}/train/{freq}.log",
    benchmark:
        "benchmarks/{dataset}/train/{freq}.tsv"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        "../envs/sdc1.yaml"
    script:
        "../scripts/train.py"


rule predict:
    input:
        catalogue="results/{dataset}/catalogues/{freq}mhz.csv",
        probabilities="results/{dataset}/model/{freq}mhz_probabilities.parquet",
        model="results/{dataset}/model/{freq}mhz.joblib",
    output:
        submission="results/{dataset}/submission/{freq}mhz.txt",
        predictions="results/{dataset}/predictions/{freq}mhz.csv",
    log:
        "logs/{dataset}/predict/{freq}.log",
    benchmark:
        "benchmarks/{dataset}/predict/{freq}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        "../envs/sdc1.yaml"
    script:
        "../scripts/predict.py"
