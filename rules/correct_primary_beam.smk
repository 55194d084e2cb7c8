# Primary-beam correction, streamed by blocks of rows.


rule correct_primary_beam:
    input:
        image=get_image,
        pb=get_primary_beam,
    output:
        "results/{dataset}/pbcor/{freq}mhz.fits",
    log:
        "logs/{dataset}/correct_primary_beam/{freq}.log",
    benchmark:
        "benchmarks/{dataset}/correct_primary_beam/{freq}.tsv"
    conda:
        "../envs/sdc1.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=60,
    params:
        min_pb=config["correct_primary_beam"]["min_pb"],
        block_rows=config["correct_primary_beam"]["block_rows"],
    script:
        "../scripts/correct_primary_beam.py"
