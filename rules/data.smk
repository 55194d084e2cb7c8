# Input data: the real SDC1 cutouts, copied from the mirror or downloaded with checksums.


rule download_cutout:
    output:
        image=f"data/{{dataset}}/images/{{freq}}mhz.fits",
        pb=f"data/{{dataset}}/pb/{{freq}}mhz_pb.fits",
        truth=f"data/{{dataset}}/truth/{{freq}}mhz.txt",
    params:
        image_name=lambda wc: config["datasets"][wc.dataset]["image"],
        manifest=workflow.source_path("../resources/sdc1_manifest.yaml"),
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
