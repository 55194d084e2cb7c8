# Cross-frequency features, truth labels, calibrated random forest, predictions.


rule features:
    input:
        catalogues=get_catalogues,
        images=get_pbcor_images,
    output:
        "results/{dataset}/features.parquet",
    log:
        "logs/{dataset}/features/all.log",
    benchmark:
        "benchmarks/{dataset}/features/all.tsv"
    conda:
        "../envs/sdc1.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        freqs=lambda wc: get_frequencies(wc.dataset),
        radius_beams=config["features"]["match_radius_beams"],
        forced_max_beam_ratio=config["features"]["forced_max_beam_ratio"],
    script:
        "../scripts/features.py"


rule label:
    input:
        catalogue="results/{dataset}/catalogues/{freq}mhz.csv",
        image="results/{dataset}/pbcor/{freq}mhz.fits",
        truth=get_truth,
    output:
        "results/{dataset}/labels/{freq}mhz.parquet",
    log:
        "logs/{dataset}/label/{freq}.log",
    benchmark:
        "benchmarks/{dataset}/label/{freq}.tsv"
    conda:
        "../envs/sdc1.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        radius_beams=config["label"]["match_radius_beams"],
    script:
        "../scripts/label.py"


if config["classifier"]["model"] is None:

    rule train:
        input:
            features="results/{dataset}/features.parquet",
            labels="results/{dataset}/labels/{freq}mhz.parquet",
        output:
            model="results/{dataset}/model/{freq}mhz.joblib",
            probabilities="results/{dataset}/model/{freq}mhz_probabilities.parquet",
            card="results/{dataset}/model/{freq}mhz.json",
        log:
            "logs/{dataset}/train/{freq}.log",
        benchmark:
            "benchmarks/{dataset}/train/{freq}.tsv"
        conda:
            "../envs/sdc1.yaml"
        threads: 2
        resources:
            mem_mb=4000,
            runtime=60,
        params:
            classifier=get_classifier_settings(),
            frequencies=lambda wc: get_frequencies(wc.dataset),
        script:
            "../scripts/train.py"

else:

    # A model trained by another run (`classifier.model`, a `results/<dataset>/model` folder)
    # classifies this dataset's sources: no labels needed, none used.
    rule apply_model:
        input:
            unpack(get_given_model),
            features="results/{dataset}/features.parquet",
        output:
            model="results/{dataset}/model/{freq}mhz.joblib",
            probabilities="results/{dataset}/model/{freq}mhz_probabilities.parquet",
            card="results/{dataset}/model/{freq}mhz.json",
        log:
            "logs/{dataset}/apply_model/{freq}.log",
        benchmark:
            "benchmarks/{dataset}/apply_model/{freq}.tsv"
        conda:
            "../envs/sdc1.yaml"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=30,
        params:
            feature_set=config["classifier"]["features"],
        script:
            "../scripts/apply_model.py"


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
    conda:
        "../envs/sdc1.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    script:
        "../scripts/predict.py"
