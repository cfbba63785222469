"""Reason codes: the features that raised a customer's risk, in Chinese and English.

A reason is a feature, a direction (its value was `high`, `low`, `missing`, or a `value` of a
category) and the log-odds of default it added against the model's reference (the best
attribute for a scorecard, the training population for LightGBM). Only features that added
risk are reasons, largest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

# Direction codes used in arrays; DIRECTIONS[code] is the word.
HIGH, LOW, MISSING, VALUE = 0, 1, 2, 3
DIRECTIONS = ("high", "low", "missing", "value")

# Chinese and English names of the population's fields; other data sets fall back to the name.
LABELS: dict[str, tuple[str, str]] = {
    "age": ("年龄", "age"),
    "city_tier": ("城市等级", "city tier"),
    "education": ("学历", "education"),
    "occupation": ("职业", "occupation"),
    "monthly_income": ("月收入", "monthly income"),
    "income_band": ("收入档位", "income band"),
    "months_on_platform": ("平台使用时长", "time on the platform"),
    "payment_txn_90d": ("近90天支付笔数", "payments in the last 90 days"),
    "payment_amount_90d": ("近90天支付金额", "amount paid in the last 90 days"),
    "has_credit_history": ("征信记录", "credit-bureau history"),
    "credit_history_months": ("征信历史长度", "length of credit history"),
    "worst_dpd_12m": ("近12个月最长逾期天数", "worst days past due in the last 12 months"),
    "existing_debt": ("现有负债", "existing debt"),
    "monthly_obligations": ("每月还款额", "monthly debt repayments"),
    "debt_to_income": ("负债收入比", "debt-to-income ratio"),
    "inquiries_30d": ("近30天多头查询次数", "credit inquiries at other lenders in 30 days"),
    "inquiries_90d": ("近90天多头查询次数", "credit inquiries at other lenders in 90 days"),
    "overdue_elsewhere": ("他行当前逾期", "current arrears at another lender"),
    "identity_match": ("身份核验匹配度", "identity-verification match"),
    "device_age_days": ("设备使用时长", "time since the device was first seen"),
    "accounts_on_device": ("同设备账户数", "accounts on the same device"),
    "blacklisted": ("黑名单", "blacklist"),
}

# Whole sentences where "X is high" would read badly.
PHRASES: dict[tuple[str, str], tuple[str, str]] = {
    ("blacklisted", "high"): ("命中黑名单", "On a fraud or court-enforcement blacklist"),
    ("overdue_elsewhere", "high"): ("在其他机构有当前逾期", "Currently overdue at another lender"),
    ("has_credit_history", "low"): (
        "无征信记录（首次借贷）",
        "No credit-bureau history (first-time borrower)",
    ),
    ("accounts_on_device", "high"): (
        "同一设备关联多个账户",
        "Several accounts use the same device",
    ),
    ("device_age_days", "low"): ("设备为新近启用", "The device was first seen recently"),
    ("identity_match", "low"): ("身份核验匹配度偏低", "Identity-verification match is low"),
    ("months_on_platform", "low"): ("平台使用时间较短", "Short time on the platform"),
    ("credit_history_months", "low"): ("征信历史较短", "Short credit history"),
    ("credit_history_months", "missing"): ("无征信历史", "No credit history on file"),
    ("worst_dpd_12m", "missing"): ("无征信历史", "No credit history on file"),
}


@dataclass(frozen=True)
class Reason:
    """One factor that raised the PD for one customer."""

    feature: str
    direction: str
    value: float | str | None
    contribution: float
    text_zh: str
    text_en: str

    @property
    def code(self) -> str:
        return f"{self.feature}:{self.direction}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "direction": self.direction,
            "value": self.value,
            "contribution": self.contribution,
            "code": self.code,
            "text_zh": self.text_zh,
            "text_en": self.text_en,
        }


def reason_text(feature: str, direction: str, value: float | str | None) -> tuple[str, str]:
    """The Chinese and English sentence for a feature and the direction of its value."""
    phrase = PHRASES.get((feature, direction))
    if phrase is not None:
        return phrase
    zh, en = LABELS.get(feature, (feature, feature.replace("_", " ")))
    en = en[:1].upper() + en[1:]
    if direction == "high":
        return f"{zh}偏高", f"{en} is high"
    if direction == "low":
        return f"{zh}偏低", f"{en} is low"
    if direction == "missing":
        return f"{zh}缺失", f"{en} is missing"
    return f"{zh}为「{value}」", f"{en} is '{value}'"


def top_positive(contributions: np.ndarray, top: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the feature indices of the `top` largest strictly positive contributions,
    largest first (-1 where a row has fewer), and those contributions (0 there)."""
    width = contributions.shape[1]
    top = max(0, min(top, width))
    if contributions.shape[0] == 1:  # one decision: a Python sort beats numpy's call overhead
        row = contributions[0].tolist()
        chosen = sorted(range(width), key=lambda j: -row[j])[:top]  # stable, as below
        index_row = [j if row[j] > 1e-9 else -1 for j in chosen]
        size_row = [row[j] if row[j] > 1e-9 else 0.0 for j in chosen]
        return np.asarray([index_row], dtype=np.int64), np.asarray([size_row], dtype=np.float64)
    order = np.argsort(-contributions, axis=1, kind="stable")[:, :top]
    values = np.take_along_axis(contributions, order, axis=1)
    positive = values > 1e-9
    index: np.ndarray = np.where(positive, order, -1)
    size: np.ndarray = np.where(positive, values, 0.0)
    return index, size
