# The embedded synthetic SDC1-like sky: one population, rendered at each frequency.


rule simulate:
    input:
        population="resources/population/params.yaml",
    output:
        image="data/{dataset}/images/{freq}mhz.fits",
        pb="data/{dataset}/pb/{freq}mhz_pb.fits",
        truth="data/{dataset}/truth/{freq}mhz.txt",
    log:
        "logs/{dataset}/simulate/{freq}.log",
    benchmark:
        "benchmarks/{dataset}/simulate/{freq}.tsv"
    wildcard_constraints:
        dataset=datasets_of_kind("synthetic"),
    conda:
        "../envs/sdc1.yaml"
    threads: 2
    resources:
        mem_mb=get_simulate_mem_mb,
        runtime=60,
    params:
        preset=lookup(dpath="datasets/{dataset}/preset", within=config),
        depth_h=lookup(dpath="datasets/{dataset}/depth", within=config),
        seed=lookup(dpath="datasets/{dataset}/seed", within=config),
        flux_scale=lookup(dpath="datasets/{dataset}/flux_scale", within=config),
        noise_rms=lookup(dpath="datasets/{dataset}/noise_rms", within=config),
    script:
        "../scripts/simulate.py"
