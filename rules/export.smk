# Catalogues astronomers open directly: FITS, VOTable and ECSV (units, UCDs, errors) for
# TOPCAT, Aladin and pandas, and a DS9/CARTA region file of the detections coloured by class.


rule export_catalogue:
    input:
        predictions="results/{dataset}/predictions/{freq}mhz.csv",
        model="results/{dataset}/model/{freq}mhz.joblib",
    output:
        fits=report(
            "results/{dataset}/export/{freq}mhz.fits",
            caption="../report/export.rst",
            category="Catalogues",
            subcategory="{freq} MHz",
        ),
        votable=report(
            "results/{dataset}/export/{freq}mhz.vot",
            caption="../report/export.rst",
            category="Catalogues",
            subcategory="{freq} MHz",
        ),
        ecsv=report(
            "results/{dataset}/export/{freq}mhz.ecsv",
            caption="../report/export.rst",
            category="Catalogues",
            subcategory="{freq} MHz",
        ),
        regions=report(
            "results/{dataset}/export/{freq}mhz.reg",
            caption="../report/export.rst",
            category="Catalogues",
            subcategory="{freq} MHz",
        ),
    log:
        "logs/{dataset}/export_catalogue/{freq}.log",
    benchmark:
        "benchmarks/{dataset}/export_catalogue/{freq}.tsv"
    conda:
        "../envs/sdc1.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    script:
        "../scripts/export_catalogue.py"


# PyBDSF's model, residual and rms images of the whole field (`export.images: true`), for
# DS9 and CARTA: made from the merged Gaussians and the background grid, tiled or not.
rule export_images:
    input:
        image="results/{dataset}/pbcor/{freq}mhz.fits",
        gaussians="results/{dataset}/sources/{freq}mhz_gaussians.parquet",
        background="results/{dataset}/background/{freq}mhz.npz",
    output:
        model="results/{dataset}/export/{freq}mhz_model.fits",
        residual="results/{dataset}/export/{freq}mhz_residual.fits",
        rms="results/{dataset}/export/{freq}mhz_rms.fits",
    log:
        "logs/{dataset}/export_images/{freq}.log",
    benchmark:
        "benchmarks/{dataset}/export_images/{freq}.tsv"
    conda:
        "../envs/sdc1.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=60,
    script:
        "../scripts/export_images.py"
