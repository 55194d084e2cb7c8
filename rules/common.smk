# Config validation, dataset resolution and input functions shared by all rules.

from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate


validate(config, schema="../config/schema.yaml")


FREQUENCIES = (560, 1400, 9200)
DATASET = config["dataset"]
if DATASET not in config["datasets"]:
    raise ValueError(
        f"config key dataset: {DATASET!r} is not an entry of datasets "
        f"(known: {', '.join(sorted(config['datasets']))})"
    )
DATASET_CONFIG = config["datasets"][DATASET]
KIND = DATASET_CONFIG["kind"]


wildcard_constraints:
    dataset=r"[A-Za-z0-9_\-]+",
    freq="|".join(str(f) for f in FREQUENCIES),


def dataset_frequencies() -> list[int]:
    """Frequencies (MHz) that the configured dataset has images for."""
    if KIND == "files":
        return sorted(int(f) for f in DATASET_CONFIG["images"])
    if KIND in ("sdc1", "synthetic"):
        return sorted(DATASET_CONFIG.get("frequencies", FREQUENCIES))
    return [560]


def user_path(role: str, freq) -> str | None:
    """Path given by the user for a `files` dataset, or None when the role is absent."""
    paths = {str(k): v for k, v in DATASET_CONFIG.get(role, {}).items()}
    return paths.get(str(freq))


def image_file(wildcards) -> str:
    if KIND == "files":
        return user_path("images", wildcards.freq)
    return f"data/{wildcards.dataset}/images/{wildcards.freq}mhz.fits"


def pb_files(wildcards) -> list[str]:
    """The primary beam as a list: empty when a `files` dataset gives none."""
    if KIND == "files":
        path = user_path("pb", wildcards.freq)
        return [path] if path else []
    return [f"data/{wildcards.dataset}/pb/{wildcards.freq}mhz_pb.fits"]


def truth_files(wildcards) -> list[str]:
    """The truth catalogue as a list: empty when a `files` dataset gives none."""
    if KIND == "files":
        path = user_path("truth", wildcards.freq)
        return [path] if path else []
    return [f"data/{wildcards.dataset}/truth/{wildcards.freq}mhz.txt"]


def has_truth(freq) -> bool:
    return KIND != "files" or user_path("truth", freq) is not None


def image_mem_mb(wildcards, input, attempt) -> int:
    """PyBDSF peaks at up to ~200 bytes per pixel at SDC1 density (measured), i.e. 50x a float32 FITS file."""
    return max(1000, int(50 * input.size_mb * attempt) + 500)


def catalogue_settings(freq) -> dict:
    """The catalogue section with ``min_snr`` resolved for one frequency."""
    settings = dict(config["catalogue"])
    by_freq = {str(k): v for k, v in (settings.pop("min_snr_by_freq", None) or {}).items()}
    settings["min_snr"] = by_freq.get(str(freq), settings["min_snr"])
    return settings


def all_targets() -> list[str]:
    targets = []
    for freq in dataset_frequencies():
        targets.append(f"results/{DATASET}/catalogues/{freq}mhz.csv")
        targets.append(f"results/{DATASET}/submission/{freq}mhz.txt")
        if has_truth(freq):
            targets.append(f"results/{DATASET}/scores/{freq}mhz.json")
    return targets


def check_user_files() -> None:
    """Check a `files` dataset's inputs (headers only) before any job runs.

    A bad file stops the workflow at once with one line naming it, instead of
    after the jobs upstream of its first use.
    """
    from sdc1.io import InputError
    from sdc1.validate import check_image, check_primary_beam, check_truth_catalogue

    try:
        for freq in dataset_frequencies():
            image = user_path("images", freq)
            check_image(image, freq)
            pb = user_path("pb", freq)
            if pb:
                check_primary_beam(pb, image, freq_mhz=freq)
            truth = user_path("truth", freq)
            if truth:
                check_truth_catalogue(truth)
    except InputError as exc:
        raise WorkflowError(f"dataset {DATASET}: {exc}") from None


if KIND == "files":
    check_user_files()
