# SKA Science Data Challenge 1: from FITS images to classified, scored catalogues.
# See README.md for how to run it, config/README.md for every setting, docs/results.md for
# what it measures.

from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


# The image every job runs in with `--sdm apptainer` (built by `make container`, converted
# to a .sif: docs/running.md); ignored otherwise.
container: config["container"]


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/download.smk"
include: "rules/simulate.smk"
include: "rules/correct_primary_beam.smk"
include: "rules/find_sources.smk"
include: "rules/catalogue.smk"
include: "rules/classify.smk"
include: "rules/score.smk"
include: "rules/export.smk"
include: "rules/report.smk"
include: "rules/view.smk"


rule all:
    default_target: True
    input:
        all_targets(DATASET),
        report_targets(DATASET),
