# Config validation and the input and parameter helpers shared by all rules.
#
# Every dataset setting is read from the `{dataset}` wildcard through the get_*
# helpers below, so that a target of any configured dataset gets that dataset's
# own kind and settings. `config["dataset"]` only names the default targets.
# The main Snakemake process reads plain YAML/JSON only: rules may run in conda
# environments that it does not share.

import json
import os
import platform

import jsonschema
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

#: The same numbers on every x86-64 machine with AVX2: numpy picks its float kernels
#: (exp, log, sin ... in float32; exp and log in float64) and OpenBLAS its matrix
#: kernels by the CPU, and the AVX-512 ones round differently (docs/results.md,
#: "Reproducibility"). Jobs inherit these; a value already set in the environment wins.
NUMERIC_ENVIRONMENT = {
    "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR",
    "OPENBLAS_CORETYPE": "Haswell",
}
if platform.machine() in ("x86_64", "AMD64"):
    for name, value in NUMERIC_ENVIRONMENT.items():
        os.environ.setdefault(name, value)


def yaml_scalar(text: str):
    """``text`` typed as YAML when it reads as a number, a boolean or null; else ``text``."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return value if value is None or isinstance(value, (bool, int, float)) else text


def type_overrides(config: dict, overrides: dict) -> None:
    """Type, in place, the values that `--config` (or a profile's `config:`) put into ``config``.

    Snakemake reads `--config key='{sub: value}'` with YAML's BaseLoader, which leaves
    every nested scalar and key a string ('500', 'null', '560'); the mapping is merged
    into the defaults. Each value given there is typed again as YAML, and a key such
    as a frequency that reads as a number replaces its string twin, so that the
    schema sees what the same text in a config file would give.
    """
    for key, given in overrides.items():
        typed_key = yaml_scalar(key) if isinstance(key, str) else key
        if typed_key != key and key in config:
            value = config.pop(key)
            if isinstance(value, dict) and isinstance(config.get(typed_key), dict):
                config[typed_key].update(value)
            else:
                config[typed_key] = value
        if isinstance(given, dict) and isinstance(config.get(typed_key), dict):
            type_overrides(config[typed_key], given)
        elif isinstance(given, str):
            config[typed_key] = yaml_scalar(given)
        elif isinstance(given, list):
            config[typed_key] = [yaml_scalar(v) if isinstance(v, str) else v for v in given]


def schema_error(config: dict, schema_path: str) -> str | None:
    """One line naming the config key that breaks the schema and why, or None."""
    with open(schema_path) as handle:
        schema = yaml.safe_load(handle)
    error = jsonschema.exceptions.best_match(
        jsonschema.validators.validator_for(schema)(schema).iter_errors(config)
    )
    if error is None:
        return None
    key = ".".join(str(part) for part in error.absolute_path) or "(top level)"
    return f"config key {key}: {error.message}"


type_overrides(config, dict(workflow.config_settings.config))
if (error := schema_error(config, workflow.source_path("../config/schema.yaml"))) is not None:
    raise WorkflowError(error)
validate(config, schema="../config/schema.yaml")


FREQUENCIES = (560, 1400, 9200)
# Aladin Lite as `npm ci` installs it from package-lock.json (rule install_aladin_lite).
ALADIN_LITE_JS = "node_modules/aladin-lite/dist/aladin.js"


def datasets_of_kind(kind: str) -> str:
    """A regular expression matching the names of the configured datasets of one kind.

    It constrains the `{dataset}` wildcard of the rule that makes that kind's
    input files, so that no two rules can make the same file.
    """
    names = sorted(name for name, ds in config["datasets"].items() if ds["kind"] == kind)
    return "|".join(names) if names else "(?!)"


wildcard_constraints:
    dataset=r"[A-Za-z0-9_\-]+",
    freq="|".join(str(f) for f in FREQUENCIES),
    tile=r"r\d+c\d+",


def canonical(value):
    """``value`` with every mapping's keys sorted, recursively.

    Snakemake compares `params:` by value, dicts by key order too: sorted keys
    make a reordered config rerun nothing.
    """
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    return value


def get_dataset(wildcards) -> dict:
    """The settings of the dataset named by the `{dataset}` wildcard."""
    return get_dataset_config(wildcards.dataset)


def get_dataset_config(name: str) -> dict:
    """The settings of the dataset ``name``, or a one-line error naming the key."""
    if name not in config["datasets"]:
        raise WorkflowError(
            f"config key datasets: no entry {name!r} "
            f"(known: {', '.join(sorted(config['datasets']))})"
        )
    return config["datasets"][name]


def get_frequencies(name: str) -> list[int]:
    """Frequencies (MHz) that the dataset ``name`` has images for."""
    dataset = get_dataset_config(name)
    if dataset["kind"] == "files":
        return sorted(int(f) for f in dataset["images"])
    if dataset["kind"] in ("sdc1", "synthetic"):
        return sorted(dataset.get("frequencies", FREQUENCIES))
    return [560]


def get_user_path(name: str, role: str, freq) -> str | None:
    """Path given for ``role`` (images, pb, truth) at ``freq`` by a `files` dataset, or None."""
    paths = {str(k): v for k, v in get_dataset_config(name).get(role, {}).items()}
    return paths.get(str(freq))


def has_truth(name: str, freq) -> bool:
    """Whether the dataset ``name`` has a truth catalogue at ``freq``."""
    kind = get_dataset_config(name)["kind"]
    return kind != "files" or get_user_path(name, "truth", freq) is not None


def get_image(wildcards) -> str:
    """The image of one frequency: the user's file, or the one the data rules make."""
    if get_dataset(wildcards)["kind"] == "files":
        return get_user_path(wildcards.dataset, "images", wildcards.freq)
    return f"data/{wildcards.dataset}/images/{wildcards.freq}mhz.fits"


def get_primary_beam(wildcards) -> list[str]:
    """The primary beam as a list: empty when a `files` dataset gives none."""
    if get_dataset(wildcards)["kind"] == "files":
        path = get_user_path(wildcards.dataset, "pb", wildcards.freq)
        return [path] if path else []
    return [f"data/{wildcards.dataset}/pb/{wildcards.freq}mhz_pb.fits"]


def get_truth(wildcards) -> list[str]:
    """The truth catalogue as a list: empty when a `files` dataset gives none."""
    if get_dataset(wildcards)["kind"] == "files":
        path = get_user_path(wildcards.dataset, "truth", wildcards.freq)
        return [path] if path else []
    return [f"data/{wildcards.dataset}/truth/{wildcards.freq}mhz.txt"]


def get_catalogues(wildcards) -> list[str]:
    """The calibrated catalogues of every frequency of the dataset."""
    return [
        f"results/{wildcards.dataset}/catalogues/{freq}mhz.csv"
        for freq in get_frequencies(wildcards.dataset)
    ]


def get_pbcor_images(wildcards) -> list[str]:
    """The primary-beam-corrected images of every frequency of the dataset."""
    return [
        f"results/{wildcards.dataset}/pbcor/{freq}mhz.fits"
        for freq in get_frequencies(wildcards.dataset)
    ]


def get_catalogue_settings() -> dict:
    """The catalogue section, with PyBDSF's peak threshold as the reliability model's S/N floor."""
    settings = dict(config["catalogue"])
    settings["snr_floor"] = config["sourcefind"]["thresh_pix"]
    return canonical(settings)


def get_pybdsf_settings() -> dict:
    """The `sourcefind` settings that reach PyBDSF: a tiling change alone reruns no PyBDSF."""
    from sdc1.tiles import pybdsf_settings

    return canonical(pybdsf_settings(config["sourcefind"]))


def get_tiling_settings() -> dict:
    """The settings of the tile plan.

    The auto plan weighs pixels above ``thresh_pix``, and PyBDSF ignores the maps
    of a tile less than 4 rms boxes wide.
    """
    sourcefind = config["sourcefind"]
    return canonical(
        {
            "job_mem_mb": sourcefind["job_mem_mb"],
            "max_tile_work": sourcefind["max_tile_work"],
            "min_size": 4 * sourcefind["rms_box"][0],
            "negated_sample_mpix": sourcefind["negated_sample_mpix"],
            "thresh": sourcefind["thresh_pix"],
            "tile_overlap": sourcefind["tile_overlap"],
            "tile_size": sourcefind["tile_size"],
        }
    )


def get_peak_threshold_settings() -> dict:
    """What chooses a tiled image's peak threshold from its pilot tiles (`sdc1.peak_threshold`)."""
    return canonical(
        {
            "floor": config["sourcefind"]["thresh_pix"],
            "margin": config["sourcefind"]["peak_threshold_margin"],
            "match_value": config["catalogue"]["match_value"],
        }
    )


def get_classifier_settings() -> dict:
    """The `classifier` settings that reach training: naming a model to apply reruns no training."""
    return canonical({k: v for k, v in config["classifier"].items() if k != "model"})


def get_given_model(wildcards) -> dict[str, str]:
    """The model of another run that classifies this frequency (`classifier.model`), and its card."""
    from sdc1.model_card import model_paths

    model, card = model_paths(config["classifier"]["model"], int(wildcards.freq))
    return {"given_model": str(model), "given_card": str(card)}


def check_given_model(name: str) -> None:
    """Check `classifier.model` against the dataset before any job runs.

    A missing frequency, a model file that is not its card's, or a feature set
    that reads frequencies the dataset lacks stops the workflow with one line.
    """
    from sdc1.errors import InputError
    from sdc1.model_card import check_model_folder

    try:
        check_model_folder(
            config["classifier"]["model"],
            get_frequencies(name),
            config["classifier"]["features"],
        )
    except InputError as exc:
        raise WorkflowError(f"config key classifier.model: {exc}") from None


def get_image_mem_mb(wildcards, input, attempt) -> int:
    """Memory for PyBDSF on a whole image: ~200 bytes per pixel at SDC1 density (measured),
    50x a float32 FITS file, plus 500 MB."""
    return max(1000, int(50 * input.size_mb * attempt) + 500)


def get_simulate_mem_mb(wildcards) -> int:
    """Memory of `simulate`: the population of a full 32768^2 field peaks at about 11 GB."""
    return 12000 if get_dataset(wildcards)["preset"] == "full" else 4000


def read_plan_tiles(plan_path) -> list[dict]:
    """The tiles of a plan written by `plan_tiles`, as plain JSON."""
    with open(plan_path) as handle:
        return json.load(handle)["tiles"]


def get_tile_mem_mb(wildcards, input, attempt) -> int:
    """Memory for PyBDSF on this tile, as its plan predicts it (`mem_mb`), more on each retry.

    The plan's prediction (`sdc1.tiles.tile_memory_mb`: 200 bytes per pixel plus
    500 MB) covers the measured ~190 bytes per pixel plus ~250 MB at SDC1 560 MHz
    density (the full 32768^2 field: 4.2 GB for a central 4608^2 tile).
    """
    tile = next(t for t in read_plan_tiles(input.plan) if t["name"] == wildcards.tile)
    return int(tile["mem_mb"] * attempt)


def get_planned_tiles(wildcards) -> dict[str, list[str]]:
    """Per-tile tables of the plan written by the `plan_tiles` checkpoint."""
    plan = checkpoints.plan_tiles.get(**wildcards).output[0]
    prefix = f"results/{wildcards.dataset}/tiles/{wildcards.freq}mhz"
    names = [tile["name"] for tile in read_plan_tiles(plan)]
    return {
        "sources": [f"{prefix}/{name}.parquet" for name in names],
        "gaussians": [f"{prefix}/{name}_gaussians.parquet" for name in names],
        "negated": [f"{prefix}/{name}_negated.parquet" for name in names],
    }


def get_pilot_tiles(wildcards) -> dict[str, list[str]]:
    """The pilot tiles' tables (those whose negated image is searched), from which
    `choose_peak_threshold` sets the image's peak threshold; none when it is not chosen
    (`sourcefind.peak_threshold_margin: null`)."""
    plan = checkpoints.plan_tiles.get(**wildcards).output[0]
    if config["sourcefind"]["peak_threshold_margin"] is None:
        return {"plan": plan}
    prefix = f"results/{wildcards.dataset}/tiles/{wildcards.freq}mhz"
    names = [t["name"] for t in read_plan_tiles(plan) if t.get("negated_weight", 1.0) > 0]
    return {
        "plan": plan,
        "sources": [f"{prefix}/{name}.parquet" for name in names],
        "negated": [f"{prefix}/{name}_negated.parquet" for name in names],
    }


def get_tile_peak_threshold(wildcards) -> list[str]:
    """The image's chosen peak threshold, for a tile that is not a pilot tile: empty for
    pilot tiles (searched at `sourcefind.thresh_pix`) and when none is chosen."""
    if config["sourcefind"]["peak_threshold_margin"] is None:
        return []
    plan = checkpoints.plan_tiles.get(dataset=wildcards.dataset, freq=wildcards.freq).output[0]
    tile = next(t for t in read_plan_tiles(plan) if t["name"] == wildcards.tile)
    if tile.get("negated_weight", 1.0) > 0:
        return []
    return [f"results/{wildcards.dataset}/tiles/{wildcards.freq}mhz/peak_threshold.json"]


def get_peak_threshold(wildcards) -> list[str]:
    """A tiled image's peak threshold record (the catalogue's S/N floor); empty when untiled."""
    if config["sourcefind"]["tile_size"] == 0:
        return []
    return [f"results/{wildcards.dataset}/tiles/{wildcards.freq}mhz/peak_threshold.json"]


def get_scored_frequencies(name: str) -> list[int]:
    """Frequencies of the dataset ``name`` that have truth, and so scores."""
    return [f for f in get_frequencies(name) if has_truth(name, f)]


def all_targets(name: str) -> list[str]:
    """Catalogues, submissions and scores of every frequency of the dataset ``name``."""
    targets = []
    for freq in get_frequencies(name):
        targets.append(f"results/{name}/catalogues/{freq}mhz.csv")
        targets.append(f"results/{name}/submission/{freq}mhz.txt")
        targets += [
            f"results/{name}/export/{freq}mhz.{ext}" for ext in ("fits", "vot", "ecsv", "reg")
        ]
        if config["export"]["images"]:
            targets += [
                f"results/{name}/export/{freq}mhz_{image}.fits"
                for image in ("model", "residual", "rms")
            ]
        if has_truth(name, freq):
            targets.append(f"results/{name}/scores/{freq}mhz.json")
    return targets


FIGURE_NAMES = (
    "image",
    "counts",
    "completeness",
    "flux_ratio",
    "confusion",
    "calibration",
    "importances",
)


def get_figures(wildcards) -> list[str]:
    """Every figure of a dataset: seven per scored frequency, and the spectral-index
    figure when there is more than one frequency."""
    return figure_files(wildcards.dataset)


def figure_files(name: str) -> list[str]:
    """The figures of the dataset ``name`` (see `get_figures`)."""
    files = expand(
        "results/{dataset}/figures/{freq}mhz_{name}.png",
        dataset=name,
        freq=get_scored_frequencies(name),
        name=FIGURE_NAMES,
    )
    if len(get_frequencies(name)) > 1:
        files.append(f"results/{name}/figures/spectral_index.png")
    return files


def get_predictions(wildcards) -> list[str]:
    """The predictions of every frequency of the dataset."""
    return [
        f"results/{wildcards.dataset}/predictions/{freq}mhz.csv"
        for freq in get_frequencies(wildcards.dataset)
    ]


def get_scores(wildcards) -> list[str]:
    """The score files of every scored frequency of the dataset."""
    return [
        f"results/{wildcards.dataset}/scores/{freq}mhz.json"
        for freq in get_scored_frequencies(wildcards.dataset)
    ]


def report_targets(name: str) -> list[str]:
    """The figures and summaries of the dataset ``name``."""
    summaries = [f"results/{name}/summary.{ext}" for ext in ("md", "json", "html")]
    return figure_files(name) + summaries


def check_user_files(name: str) -> None:
    """Check a `files` dataset's inputs (headers only) before any job runs.

    A bad file stops the workflow at once with one line naming it, instead of
    after the jobs upstream of its first use.
    """
    from sdc1.errors import InputError
    from sdc1.validate import check_image, check_primary_beam, check_truth_catalogue

    try:
        for freq in get_frequencies(name):
            image = get_user_path(name, "images", freq)
            check_image(image, freq)
            pb = get_user_path(name, "pb", freq)
            if pb:
                check_primary_beam(pb, image, freq_mhz=freq)
            truth = get_user_path(name, "truth", freq)
            if truth:
                check_truth_catalogue(truth)
    except InputError as exc:
        raise WorkflowError(f"dataset {name}: {exc}") from None


DATASET = config["dataset"]
if DATASET not in config["datasets"]:
    raise ValueError(
        f"config key dataset: {DATASET!r} is not an entry of datasets "
        f"(known: {', '.join(sorted(config['datasets']))})"
    )
if get_dataset_config(DATASET)["kind"] == "files":
    check_user_files(DATASET)
if config["classifier"]["model"] is not None:
    check_given_model(DATASET)
