"""Synthetic SDC1-like sky: population (``population``), geometry (``geometry``),
primary beam (``primary_beam``), renderer (``render``) and dataset writer (``dataset``)."""

from sdc1.simulate.dataset import preset_sizes, write_synthetic_field
from sdc1.simulate.population import catalogue_at, generate_population, load_params
from sdc1.simulate.render import add_noise, render_catalogue

__all__ = [
    "add_noise",
    "catalogue_at",
    "generate_population",
    "load_params",
    "preset_sizes",
    "render_catalogue",
    "write_synthetic_field",
]
