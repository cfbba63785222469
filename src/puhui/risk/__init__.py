"""Risk models: feature spec, WOE scorecard and LightGBM, calibration, metrics, reason codes."""

from puhui.risk.model import PointsScale, RiskModel, load_model, save_model
from puhui.risk.reasons import Reason
from puhui.risk.spec import Feature, FeatureSpec
from puhui.risk.training import TrainConfig, TrainResult, train_model

__all__ = [
    "Feature",
    "FeatureSpec",
    "PointsScale",
    "Reason",
    "RiskModel",
    "TrainConfig",
    "TrainResult",
    "load_model",
    "save_model",
    "train_model",
]
