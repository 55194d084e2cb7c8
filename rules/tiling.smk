# Settings and input functions of the source-finding rules (rules/sourcefind.smk).
# They read the tile plan as plain JSON: the main Snakemake process need not
# have the sdc1 package (rules may run in conda environments).

import json

TILING_KEYS = ("tile_size", "tile_overlap", "job_mem_mb", "max_tile_work")
# What reaches PyBDSF: a change in tiling alone does not rerun an untiled run.
# Keys sorted: Snakemake compares params dicts with their order.
PYBDSF_SETTINGS = {
    k: v for k, v in sorted(config["sourcefind"].items()) if k not in TILING_KEYS
}
# What reaches the tile plan: the auto plan weighs pixels above thresh_pix, and
# PyBDSF ignores the maps of a tile less than 4 rms boxes wide.
TILING_SETTINGS = {
    "job_mem_mb": config["sourcefind"]["job_mem_mb"],
    "max_tile_work": config["sourcefind"]["max_tile_work"],
    "min_size": 4 * config["sourcefind"]["rms_box"][0],
    "thresh": config["sourcefind"]["thresh_pix"],
    "tile_overlap": config["sourcefind"]["tile_overlap"],
    "tile_size": config["sourcefind"]["tile_size"],
}

wildcard_constraints:
    tile=r"r\d+c\d+",


def plan_tile_names(plan_path) -> list[str]:
    """Names of the tiles in a plan written by `plan_tiles`."""
    with open(plan_path) as handle:
        return [tile["name"] for tile in json.load(handle)["tiles"]]


def tile_mem_mb(wildcards, input, attempt) -> int:
    """Memory for PyBDSF on this tile, as its plan predicts it (`mem_mb`), more on each retry.

    The plan's prediction (`sdc1.tiling.tile_memory_mb`: 200 bytes per pixel plus
    500 MB) covers the measured ~190 bytes per pixel plus ~250 MB at SDC1 560 MHz
    density (the full 32768^2 field: 4.2 GB for a central 4608^2 tile).
    """
    with open(input.plan) as handle:
        tile = next(t for t in json.load(handle)["tiles"] if t["name"] == wildcards.tile)
    return int(tile["mem_mb"] * attempt)


def planned_tiles(wildcards) -> dict[str, list[str]]:
    """Per-tile tables of the plan written by the `plan_tiles` checkpoint."""
    plan = checkpoints.plan_tiles.get(**wildcards).output[0]
    prefix = f"results/{wildcards.dataset}/tiles/{wildcards.freq}mhz"
    names = plan_tile_names(plan)
    return {
        "sources": [f"{prefix}/{name}.parquet" for name in names],
        "gaussians": [f"{prefix}/{name}_gaussians.parquet" for name in names],
    }
