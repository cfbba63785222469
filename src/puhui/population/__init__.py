"""Synthetic customers with a known ground truth, for demos, tests and benchmarks."""

from puhui.population.generator import (
    FIELDS,
    NON_FEATURES,
    PROTECTED,
    PopulationConfig,
    calibrate_intercept,
    generate_population,
    iter_population,
)

__all__ = [
    "FIELDS",
    "NON_FEATURES",
    "PROTECTED",
    "PopulationConfig",
    "calibrate_intercept",
    "generate_population",
    "iter_population",
]
