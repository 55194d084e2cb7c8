# Report: figures per frequency and across frequencies, and the summary tables.
# `snakemake --report report.html` collects every output wrapped in report().

# Frequencies that have truth (the ones with scores); lambdas, not functions, keep --lint quiet.
scored_frequencies = lambda: [f for f in dataset_frequencies() if has_truth(f)]

FIGURE_NAMES = ("image", "counts", "completeness", "flux_ratio", "confusion", "calibration", "importances")

# Every figure of a dataset: seven per scored frequency, and the spectral-index
# figure when there is more than one frequency. `dataset` may be "{dataset}" (a wildcard).
figure_files = lambda dataset: (
    expand(
        "results/{dataset}/figures/{freq}mhz_{name}.png",
        dataset=dataset,
        freq=scored_frequencies(),
        name=FIGURE_NAMES,
    )
    + ([f"results/{dataset}/figures/spectral_index.png"] if len(dataset_frequencies()) > 1 else [])
)

report_targets = lambda: figure_files(DATASET) + [
    f"results/{DATASET}/summary.md",
    f"results/{DATASET}/summary.json",
    f"results/{DATASET}/summary.html",
]


rule figures:
    input:
        image="results/{dataset}/pbcor/{freq}mhz.fits",
        predictions="results/{dataset}/predictions/{freq}mhz.csv",
        truth=truth_files,
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
        importances=report(
            "results/{dataset}/figures/{freq}mhz_importances.png",
            caption="../report/importances.rst",
            category="Classification",
            subcategory="{freq} MHz",
        ),
    params:
        zoom_px=400,
        dpi=100,
        top_features=15,
        match_radius_beams=config["label"]["match_radius_beams"],
    log:
        "logs/{dataset}/figures/{freq}.log",
    benchmark:
        "benchmarks/{dataset}/figures/{freq}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        "../envs/sdc1.yaml"
    script:
        "../scripts/figures.py"


rule spectral_figure:
    input:
        features="results/{dataset}/features.parquet",
        predictions=expand("results/{{dataset}}/predictions/{freq}mhz.csv", freq=dataset_frequencies()),
    output:
        report(
            "results/{dataset}/figures/spectral_index.png",
            caption="../report/spectral_index.rst",
            category="Classification",
            subcategory="All frequencies",
        ),
    params:
        freqs=dataset_frequencies(),
        dpi=100,
    log:
        "logs/{dataset}/spectral_figure/all.log",
    benchmark:
        "benchmarks/{dataset}/spectral_figure/all.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        "../envs/sdc1.yaml"
    script:
        "../scripts/spectral_figure.py"


rule summary:
    input:
        scores=expand("results/{{dataset}}/scores/{freq}mhz.json", freq=scored_frequencies()),
        # Not read: the summary runs last, so that its stage table has every job's
        # benchmark, the figures' included.
        figures=figure_files("{dataset}"),
    output:
        markdown="results/{dataset}/summary.md",
        json="results/{dataset}/summary.json",
        html=report(
            "results/{dataset}/summary.html",
            caption="../report/summary.rst",
            category="Summary",
        ),
    params:
        # Read when the job runs: every other stage has finished by then.
        benchmark_dir=lambda wc: f"benchmarks/{wc.dataset}",
    log:
        "logs/{dataset}/summary/all.log",
    benchmark:
        "benchmarks/{dataset}/summary/all.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        "../envs/sdc1.yaml"
    script:
        "../scripts/summary.py"
