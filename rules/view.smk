# An offline, interactive view of each catalogue on its image (sdc1.view): Aladin Lite in a
# self-contained folder, opened through a local HTTP server (`sdc1 view --serve`). Not part of
# `all`: `snakemake views` makes the dataset's views, or name one folder as the target.


rule install_aladin_lite:
    input:
        "package.json",
        "package-lock.json",
    output:
        ALADIN_LITE_JS,
    log:
        "logs/install_aladin_lite.log",
    benchmark:
        "benchmarks/install_aladin_lite.tsv"
    conda:
        "../envs/nodejs.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "npm ci --ignore-scripts --no-audit --no-fund > {log} 2>&1 && touch {output}"


rule view:
    input:
        image="results/{dataset}/pbcor/{freq}mhz.fits",
        predictions="results/{dataset}/predictions/{freq}mhz.csv",
        labels="results/{dataset}/labels/{freq}mhz.parquet",
        model="results/{dataset}/model/{freq}mhz.joblib",
        aladin_lite=ALADIN_LITE_JS,
    output:
        directory("results/{dataset}/view/{freq}mhz"),
    log:
        "logs/{dataset}/view/{freq}.log",
    benchmark:
        "benchmarks/{dataset}/view/{freq}.tsv"
    conda:
        "../envs/sdc1.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        max_side=config["view"]["max_side"],
        title=lambda wc: f"{wc.dataset} {wc.freq} MHz",
    script:
        "../scripts/view.py"


rule views:
    input:
        lambda wc: [f"results/{DATASET}/view/{freq}mhz" for freq in get_frequencies(DATASET)],
    localrule: True
