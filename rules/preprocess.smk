# Primary-beam correction, streamed by blocks of rows.


rule pb_correct:
    input:
        image=image_file,
        pb=pb_files,
    output:
        "results/{dataset}/pbcor/{freq}mhz.fits",
    params:
        min_pb=config["pb_correct"]["min_pb"],
        block_rows=config["pb_correct"]["block_rows"],
    log:
        "logs/{dataset}/pb_correct/{freq}.log",
    benchmark:
        "benchmarks/{dataset}/pb_correct/{freq}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=60,
    conda:
        "../envs/sdc1.yaml"
    script:
        "../scripts/pb_correct.py"
