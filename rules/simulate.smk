# The embedded synthetic SDC1-like sky: one population, rendered at each frequency.


rule simulate:
    input:
        population="resources/population/params.yaml",
    output:
        image="data/{dataset}/images/{freq}mhz.fits",
        pb="data/{dataset}/pb/{freq}mhz_pb.fits",
        truth="data/{dataset}/truth/{freq}mhz.txt",
    params:
        preset=lambda wc: config["datasets"][wc.dataset]["preset"],
        depth_h=lambda wc: config["datasets"][wc.dataset]["depth"],
        seed=lambda wc: config["datasets"][wc.dataset]["seed"],
        flux_scale=lambda wc: config["datasets"][wc.dataset]["flux_scale"],
        noise_rms=lambda wc: config["datasets"][wc.dataset]["noise_rms"],
    log:
        "logs/{dataset}/simulate/{freq}.log",
    benchmark:
        "benchmarks/{dataset}/simulate/{freq}.tsv"
    threads: 2
    resources:
        # The population of a full 32768^2 field peaks at about 11 GB.
        mem_mb=lambda wc: 12000 if config["datasets"][wc.dataset]["preset"] == "full" else 4000,
        runtime=60,
    conda:
        "../envs/sdc1.yaml"
    script:
        "../scripts/simulate.py"
