# Input data: the real SDC1 data, copied from the mirror or downloaded with checksums.
# Each dataset kind has its own rule for data/<dataset>/...: the `{dataset}`
# wildcard of each is constrained to the datasets of its kind.


rule download_cutout:
    input:
        manifest="resources/sdc1_manifest.yaml",
    output:
        image="data/{dataset}/images/{freq}mhz.fits",
        pb="data/{dataset}/pb/{freq}mhz_pb.fits",
        truth="data/{dataset}/truth/{freq}mhz.txt",
    log:
        "logs/{dataset}/download_cutout/{freq}.log",
    benchmark:
        "benchmarks/{dataset}/download_cutout/{freq}.tsv"
    wildcard_constraints:
        dataset=datasets_of_kind("sdc1_cutout"),
    conda:
        "../envs/sdc1.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=60,
    params:
        image_name=lookup(dpath="datasets/{dataset}/image", within=config),
        mirror=config["mirror"],
    script:
        "../scripts/download_cutout.py"


rule download_sdc1:
    input:
        manifest="resources/sdc1_manifest.yaml",
    output:
        image="data/{dataset}/images/{freq}mhz.fits",
        pb="data/{dataset}/pb/{freq}mhz_pb.fits",
        truth="data/{dataset}/truth/{freq}mhz.txt",
    log:
        "logs/{dataset}/download_sdc1/{freq}.log",
    benchmark:
        "benchmarks/{dataset}/download_sdc1/{freq}.tsv"
    wildcard_constraints:
        dataset=datasets_of_kind("sdc1"),
    conda:
        "../envs/sdc1.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=600,
    params:
        depth=lookup(dpath="datasets/{dataset}/depth", within=config),
        mirror=config["mirror"],
    script:
        "../scripts/download_sdc1.py"
