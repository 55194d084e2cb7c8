# SDC1 submission files and their ska-sdc scores.


rule submission:
    input:
        "results/{dataset}/catalogues/{freq}mhz.csv",
    output:
        "results/{dataset}/submission/{freq}mhz.txt",
    log:
        "logs/{dataset}/submission/{freq}.log",
    benchmark:
        "benchmarks/{dataset}/submission/{freq}.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        "../envs/sdc1.yaml"
    script:
        "../scripts/submission.py"


rule score:
    input:
        submission="results/{dataset}/submission/{freq}mhz.txt",
        truth=truth_files,
        image="results/{dataset}/pbcor/{freq}mhz.fits",
    output:
        "results/{dataset}/scores/{freq}mhz.json",
    params:
        mode=config["score"]["mode"],
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
