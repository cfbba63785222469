"""Risk decisioning: PD models, pricing, limits, policy rules and strategies.

The model API is re-exported lazily so that importing the light policy and pricing modules
does not load LightGBM and optbinning.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "PointsScale": "puhui.risk.model",
    "RiskModel": "puhui.risk.model",
    "load_model": "puhui.risk.model",
    "save_model": "puhui.risk.model",
    "Reason": "puhui.risk.reasons",
    "Feature": "puhui.risk.spec",
    "FeatureSpec": "puhui.risk.spec",
    "TrainConfig": "puhui.risk.training",
    "TrainResult": "puhui.risk.training",
    "train_model": "puhui.risk.training",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'puhui.risk' has no attribute {name!r}")
    return getattr(import_module(module), name)
