# Input data: the real SDC1 data, copied from the mirror or downloaded with checksums.

# Each dataset kind has one rule producing data/<dataset>/...: tell Snakemake which.
if KIND == "sdc1":

    ruleorder: download_sdc1 > download_cutout > simulate

elif KIND == "synthetic":

    ruleorder: simulate > download_cutout > download_sdc1

else:

    ruleorder: download_cutout > download_sdc1 > simulate



rule download_cutout:
    input:
        manifest="resources/sdc1_manifest.yaml",
    output:
        image=f"data/{{dataset}}/images/{{freq}}mhz.fits",
        pb=f"data/{{dataset}}/pb/{{freq}}mhz_pb.fits",
        truth=f"data/{{dataset}}/truth/{{freq}}mhz.txt",
    params:
        image_name=lambda wc: config["datasets"][wc.dataset]["image"],
        mirror=config["mirror"],
    log:
        "logs/{dataset}/download_cutout/{freq}.log",
    benchmark:
        "benchmarks/{dataset}/download_cutout/{freq}.tsv"
    threads: 1
    resources:
        mem_mb=500,
        runtime=60,
    conda:
        "../envs/sdc1.yaml"
    script:
        "../scripts/download_cutout.py"


rule download_sdc1:
    input:
        manifest="resources/sdc1_manifest.yaml",
    output:
        image="data/{dataset}/images/{freq}mhz.fits",
        pb="data/{dataset}/pb/{freq}mhz_pb.fits",
        truth="data/{dataset}/truth/{freq}mhz.txt",
    params:
        depth=lambda wc: config["datasets"][wc.dataset]["depth"],
        mirror=config["mirror"],
    log:
        "logs/{dataset}/download_sdc1/{freq}.log",
    benchmark:
        "benchmarks/{dataset}/download_sdc1/{freq}.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=600,
    conda:
        "../envs/sdc1.yaml"
    script:
        "../scripts/download_sdc1.py"
