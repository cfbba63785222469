"""Risk models: feature spec, WOE scorecard and LightGBM, calibration, metrics, reason codes.

model = load_model(directory)        # checks every file's SHA-256
model.predict_pd(frame_or_row)       # calibrated PD per row (polars frame or one dict)
model.score_points(pd)               # points: 600 at 50:1 good:bad odds, PDO 20 (default)
model.explain(frame_or_row, top=4)   # reasons: feature, direction, contribution, zh, en
model.feature_spec.encode_row(row)   # the checks alone (ValidationError names the field)
"""

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
