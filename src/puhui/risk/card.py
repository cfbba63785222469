"""The model card: what a model is for, what it was trained on, how well it does, and its limits."""

from __future__ import annotations

from typing import Any


def _f(value: float) -> str:
    return f"{value:.4f}"


def model_card(metrics: dict[str, Any], data_name: str) -> str:
    """Markdown model card from the training metrics (see `training.train_model`)."""
    held = metrics["held_out"]
    iv = sorted(metrics["iv"].items(), key=lambda item: -item[1])
    psi_score = metrics["psi"]["score_train_vs_test"]
    drift = [
        name for name, value in metrics["psi"]["features_train_vs_test"].items() if value > 0.1
    ]
    candidates = ", ".join(
        f"{kind} AUC {_f(values['auc'])}" for kind, values in metrics["candidates"].items()
    )
    protected = metrics.get("protected_like_features") or []
    excluded = metrics.get("excluded") or []
    lines = [
        f"# Model card — {metrics['version']}",
        "",
        "## Intended use",
        "",
        "Probability of default (PD) for small, unsecured, pre-approved consumer credit lines, "
        "used by the decision layer together with policy rules, pricing and limits. The PD is "
        "calibrated; the score is points on the scale below; reason codes name the features "
        "that raised a customer's risk (for adverse-action notices and review).",
        "Not for: decisions about products, populations or periods unlike the training data, "
        "or as the only basis for a decision without policy rules and human oversight.",
        "",
        "## Data",
        "",
        f"- source: `{data_name}`; {metrics['rows']:,} rows, bad rate "
        f"{metrics['bad_rate']:.2%} (target `{metrics['target']}` == `{metrics['bad_value']}`)",
        f"- features ({len(metrics['features'])}): " + ", ".join(metrics["features"]),
        f"- excluded columns: {', '.join(excluded) if excluded else 'none'}",
        "",
        "## Model",
        "",
        f"- kind: **{metrics['kind']}** ({metrics['selection']}); candidates: {candidates}",
        f"- calibration: {metrics['calibration']['method']} (chosen by cross-fitted log loss)",
        f"- points: {metrics['points_scale']['base_points']:g} at odds "
        f"{metrics['points_scale']['base_odds']:g}:1, {metrics['points_scale']['pdo']:g} "
        "points to double the odds",
        "- monotone trends found by binning: "
        + (
            ", ".join(f"{k} ({'+' if v > 0 else '-'})" for k, v in metrics["monotone"].items())
            or "none"
        ),
        "",
        "## Performance (held out)",
        "",
        f"Assessment: {metrics['assessment']}; the shipped model is refitted on all rows.",
        "",
        "| AUC | Gini | KS | Brier | ECE | PSI train vs test |",
        "|---|---|---|---|---|---|",
        f"| {_f(held['auc'])} | {_f(held['gini'])} | {_f(held['ks'])} | {_f(held['brier'])} "
        f"| {_f(held['ece'])} | {_f(psi_score)} |",
        "",
        "Calibration by decile of PD:",
        "",
        "| decile | rows | mean PD | bad rate |",
        "|---|---|---|---|",
        *[
            f"| {row['bin']} | {row['rows']} | {_f(row['mean_pd'])} | {_f(row['bad_rate'])} |"
            for row in held["calibration_by_decile"]
        ],
        "",
        "Information value per feature: " + ", ".join(f"{name} {value:.3f}" for name, value in iv),
        "",
        "## Limitations",
        "",
        "- Trained on one snapshot; monitor PSI of the score and of each feature in production "
        "(above 0.1 investigate, above 0.25 retrain)."
        + (f" Features already drifting between folds: {', '.join(drift)}." if drift else ""),
        "- Outcomes exist only for past approvals (reject inference is not done): PDs for "
        "segments the past strategy declined are extrapolations.",
        "- Inputs outside the feature spec's ranges are refused; unseen categories and missing "
        "values use the missing-value policy in `feature_spec.json`.",
        "- ECE is only meaningful with at least 1,000 held-out rows.",
        "",
        "## Fairness notes",
        "",
        "- Protected attributes must never be features; pass them to `--exclude` and use them "
        "only for fairness reports (approval-rate and calibration gaps by group).",
        (
            f"- WARNING: features whose names suggest protected attributes: {', '.join(protected)}."
            if protected
            else "- No feature name suggests a protected attribute (checked: afam, race, ethnic, "
            "gender, sex, religion, nationality); proxies (age, location, education) can still "
            "carry group differences and should be reviewed."
        ),
        "",
    ]
    return "\n".join(lines)
