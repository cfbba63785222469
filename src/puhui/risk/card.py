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


def model_card_zh(metrics: dict[str, Any], data_name: str) -> str:
    """The same card in Chinese (中文模型卡), from the same metrics."""
    held = metrics["held_out"]
    iv = sorted(metrics["iv"].items(), key=lambda item: -item[1])
    psi_score = metrics["psi"]["score_train_vs_test"]
    candidates = "，".join(
        f"{kind} AUC {_f(values['auc'])}" for kind, values in metrics["candidates"].items()
    )
    excluded = metrics.get("excluded") or []
    protected = metrics.get("protected_like_features") or []
    scale = metrics["points_scale"]
    lines = [
        f"# 模型卡 — {metrics['version']}",
        "",
        "## 预期用途",
        "",
        "用于小额、无抵押、预授信消费信贷额度的违约概率（PD）估计，由决策层与政策规则、定价和额度"
        "一起使用。PD 已校准；评分为下述刻度上的分数；原因码列出抬高客户风险的特征（用于拒绝通知"
        "与复核）。",
        "不适用于：与训练数据不同的产品、人群或时期的决策，也不可在没有政策规则和人工监督的情况下"
        "作为唯一决策依据。",
        "",
        "## 数据",
        "",
        f"- 来源：`{data_name}`；{metrics['rows']:,} 行，坏账率 {metrics['bad_rate']:.2%}"
        f"（目标 `{metrics['target']}` == `{metrics['bad_value']}`）",
        f"- 特征（{len(metrics['features'])} 个）：" + "、".join(metrics["features"]),
        f"- 排除的列：{'、'.join(excluded) if excluded else '无'}",
        "",
        "## 模型",
        "",
        f"- 类型：**{metrics['kind']}**（{metrics['selection']}）；候选：{candidates}",
        f"- 校准：{metrics['calibration']['method']}（按交叉拟合的对数损失选择）",
        f"- 评分刻度：赔率 {scale['base_odds']:g}:1 时为 {scale['base_points']:g} 分，"
        f"每 {scale['pdo']:g} 分赔率翻倍",
        "",
        "## 表现（留出样本）",
        "",
        f"评估方式：{metrics['assessment']}；上线模型在全部数据上重新拟合。",
        "",
        "| AUC | Gini | KS | Brier | ECE | 训练/测试 PSI |",
        "|---|---|---|---|---|---|",
        f"| {_f(held['auc'])} | {_f(held['gini'])} | {_f(held['ks'])} | {_f(held['brier'])} "
        f"| {_f(held['ece'])} | {_f(psi_score)} |",
        "",
        "按 PD 十分位的校准：",
        "",
        "| 十分位 | 行数 | 平均 PD | 坏账率 |",
        "|---|---|---|---|",
        *[
            f"| {row['bin']} | {row['rows']} | {_f(row['mean_pd'])} | {_f(row['bad_rate'])} |"
            for row in held["calibration_by_decile"]
        ],
        "",
        "各特征信息值（IV）：" + "，".join(f"{name} {value:.3f}" for name, value in iv),
        "",
        "## 局限",
        "",
        "- 基于单一时点快照训练；上线后需监控评分与各特征的 PSI（超过 0.1 需排查，超过 0.25 需"
        "重新训练）。",
        "- 只有过去获批客户才有表现数据（未做拒绝推断）：对过去被拒人群的 PD 属外推。",
        "- 超出特征规格范围的输入会被拒绝；未见过的类别和缺失值按 `feature_spec.json` 中的缺失值"
        "策略处理。",
        "",
        "## 公平性",
        "",
        "- 受保护属性（如性别、民族）绝不可作为特征，只用于公平性报告（各组通过率与校准差异）。",
        (
            f"- 警告：以下特征名称疑似受保护属性：{'、'.join(protected)}。"
            if protected
            else "- 没有特征名称疑似受保护属性；年龄、地区、学历等代理变量仍可能带来群体差异，"
            "需复核。"
        ),
        "",
    ]
    return "\n".join(lines)
