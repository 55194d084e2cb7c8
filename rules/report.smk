# Report: figures per frequency and across frequencies, and the summary tables.
# `snakemake --report report.html` collects every output wrapped in report().


rule figures:
    input:
        image="results/{dataset}/pbcor/{freq}mhz.fits",
        predictions="results/{dataset}/predictions/{freq}mhz.csv",
        truth=get_truth,
        scores="results/{dataset}/scores/{freq}mhz.json",
        model="results/{dataset}/model/{freq}mhz.joblib",
    output:
        image=report(
            "results/{dataset}/figures/{freq}mhz_image.png",
            caption="../report/image.rst",
            category="Source finding",
            subcategory="{freq} MHz",
        ),
        counts=report(
            "results/{dataset}/figures/{freq}mhz_counts.png",
            caption="../report/counts.rst",
            category="Source finding",
            subcategory="{freq} MHz",
        ),
        completeness=report(
            "results/{dataset}/figures/{freq}mhz_completeness.png",
            caption="../report/completeness.rst",
            category="Source finding",
            subcategory="{freq} MHz",
        ),
        flux_ratio=report(
            "results/{dataset}/figures/{freq}mhz_flux_ratio.png",
            caption="../report/flux_ratio.rst",
            category="Source finding",
            subcategory="{freq} MHz",
        ),
        confusion=report(
            "results/{dataset}/figures/{freq}mhz_confusion.png",
            caption="../report/confusion.rst",
            category="Classification",
            subcategory="{freq} MHz",
        ),
        calibration=report(
            "results/{dataset}/figures/{freq}mhz_calibration.png",
            caption="../report/calibration.rst",
            category="Classification",
            subcategory="{freq} MHz",
        ),
        population=report(
            "results/{dataset}/figures/{freq}mhz_population.png",
            caption="../report/population.rst",
            category="Classification",
            subcategory="{freq} MHz",
        ),
        importances=report(
            "results/{dataset}/figures/{freq}mhz_importances.png",
            caption="../report/importances.rst",
            category="Classification",
            subcategory="{freq} MHz",
        ),
    log:
        "logs/{dataset}/figures/{freq}.log",
    benchmark:
        "benchmarks/{dataset}/figures/{freq}.tsv"
    conda:
        "../envs/sdc1.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        zoom_px=400,
        dpi=100,
        top_features=15,
        match_radius_beams=config["label"]["match_radius_beams"],
    script:
        "../scripts/figures.py"


rule spectral_figure:
    input:
        features="results/{dataset}/features.parquet",
        predictions=get_predictions,
    output:
        report(
            "results/{dataset}/figures/spectral_index.png",
            caption="../report/spectral_index.rst",
            category="Classification",
            subcategory="All frequencies",
        ),
    log:
        "logs/{dataset}/spectral_figure/all.log",
    benchmark:
        "benchmarks/{dataset}/spectral_figure/all.tsv"
    conda:
        "../envs/sdc1.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        freqs=lambda wc: get_frequencies(wc.dataset),
        dpi=100,
    script:
        "../scripts/spectral_figure.py"


rule summary:
    input:
        scores=get_scores,
        # Not read: the summary runs last, so that its stage table has every job's
        # benchmark, the figures' included.
        figures=get_figures,
    output:
        markdown="results/{dataset}/summary.md",
        json="results/{dataset}/summary.json",
        html=report(
            "results/{dataset}/summary.html",
            caption="../report/summary.rst",
            category="Summary",
        ),
    log:
        "logs/{dataset}/summary/all.log",
    benchmark:
        "benchmarks/{dataset}/summary/all.tsv"
    conda:
        "../envs/sdc1.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        # Read when the job runs: every other stage has finished by then.
        benchmark_dir=lambda wc: f"benchmarks/{wc.dataset}",
    script:
        "../scripts/summary.py"
