"""The risk grade: a logistic regression on the analysis's facts, with reasons.

Trained by `train()` with scikit-learn on generated applicants (`puhui.population.business`,
seeds 0..n-1, the sampled defaults as labels); the fitted means, scales and coefficients ship
in `data/grade_model.json`, so a report scores with plain arithmetic, the same on every machine.
`python -m puhui.reports.grade` retrains and rewrites that file. Reasons are the features that
raise the score most (coefficient times standardised value), as in a scorecard's reason codes.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from puhui.reports.analysis import Analysis

MODEL_FILE = Path(__file__).parent / "data" / "grade_model.json"
FEATURES = (
    "dscr",
    "top_share",
    "trend",
    "owner_pd",
    "years",
    "debt_to_revenue",
    "request_to_revenue",
    "flag_concentration",
    "flag_declining_revenue",
    "flag_round_tripping",
    "flag_cash_withdrawals",
    "flag_debt_growth",
)
#: PD upper bounds of grades A..D; above the last is E.
GRADES = (("A", 0.02), ("B", 0.05), ("C", 0.10), ("D", 0.20))
REASONS = {
    "dscr": ("偿债覆盖率偏低", "low debt-service coverage"),
    "top_share": ("客户集中度高", "revenue concentrated in few customers"),
    "trend": ("收入呈下降趋势", "revenue trending down"),
    "owner_pd": ("实际控制人个人信用风险较高", "owner's personal credit risk"),
    "years": ("经营年限较短", "few years in business"),
    "debt_to_revenue": ("负债相对收入偏高", "debt high against revenue"),
    "request_to_revenue": ("申请金额相对收入偏高", "amount requested high against revenue"),
    "flag_concentration": ("预警：客户集中", "flag: customer concentration"),
    "flag_declining_revenue": ("预警：收入下滑", "flag: declining revenue"),
    "flag_round_tripping": ("预警：疑似资金回流", "flag: round-tripping"),
    "flag_cash_withdrawals": ("预警：大额取现", "flag: large cash withdrawals"),
    "flag_debt_growth": ("预警：负债快速增加", "flag: sudden debt growth"),
}


def features(a: Analysis) -> dict[str, float]:
    revenue = max(1, a.value("revenue.avg"))
    codes = {f["code"] for f in a.flags}
    out = {
        "dscr": max(-2.0, min(5.0, float(a.value("dscr")))),
        "top_share": float(a.value("customer.top_share")),
        "trend": max(-1.0, min(1.0, float(a.value("revenue.trend")))),
        "owner_pd": float(a.applicant.owner_pd or 0.03),
        "years": min(15.0, float(a.value("business.years"))),
        "debt_to_revenue": min(10.0, a.value("debt.balance") / (12 * revenue)),
        "request_to_revenue": min(10.0, a.value("loan.amount") / revenue),
    }
    for sign in (
        "concentration",
        "declining_revenue",
        "round_tripping",
        "cash_withdrawals",
        "debt_growth",
    ):
        out[f"flag_{sign}"] = 1.0 if sign in codes else 0.0
    return out


@lru_cache(maxsize=1)
def _model() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    return data


def score(
    x: dict[str, float], model: dict[str, Any] | None = None
) -> tuple[float, list[tuple[str, float]]]:
    m = model or _model()
    contributions = []
    logit = float(m["intercept"])
    for name, mean, scale, coef in zip(
        m["features"], m["mean"], m["scale"], m["coef"], strict=True
    ):
        c = coef * (x[name] - mean) / scale
        logit += c
        contributions.append((name, c))
    pd = 1 / (1 + math.exp(-logit))
    return pd, sorted(contributions, key=lambda kv: (-kv[1], kv[0]))


def grade(a: Analysis) -> dict[str, Any]:
    x = features(a)
    pd, contributions = score(x)
    letter = next((g for g, bound in GRADES if pd < bound), "E")
    reasons = [
        {"feature": name, "zh": REASONS[name][0], "en": REASONS[name][1], "weight": round(c, 3)}
        for name, c in contributions[:3]
        if c > 0.05
    ]
    return {
        "grade": letter,
        "pd": round(pd, 4),
        "reasons": reasons,
        "model": _model()["version"],
        "features": {k: round(v, 4) for k, v in x.items()},
    }


def training_set(n: int, seed: int = 0) -> tuple[list[list[float]], list[int]]:
    from puhui.population.business import generate_business
    from puhui.reports.analysis import analyse
    from puhui.reports.applicant import parse_applicant
    from puhui.reports.statement import read_statement

    xs, ys = [], []
    for i in range(n):
        case = generate_business(seed + i, months=12 + (i % 13))
        a = analyse(parse_applicant(case.applicant), read_statement(case.statement_csv()))
        x = features(a)
        xs.append([x[f] for f in FEATURES])
        ys.append(int(case.defaulted))
    return xs, ys


def train(n: int = 1500, seed: int = 0) -> dict[str, Any]:
    """Fit the grade model on `n` generated applicants (seeds seed..seed+n-1)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    xs, ys = training_set(n, seed)
    x = np.asarray(xs, dtype=np.float64)
    y = np.asarray(ys)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    fit = LogisticRegression(C=1.0, max_iter=1000).fit(z, y)
    holdout_x, holdout_y = training_set(max(200, n // 4), seed + 1_000_000)
    hz = (np.asarray(holdout_x) - mean) / scale
    auc = float(roc_auc_score(holdout_y, fit.predict_proba(hz)[:, 1]))
    return {
        "version": f"dd-grade-logit-n{n}-s{seed}",
        "features": list(FEATURES),
        "mean": [round(float(v), 6) for v in mean],
        "scale": [round(float(v), 6) for v in scale],
        "coef": [round(float(v), 6) for v in fit.coef_[0]],
        "intercept": round(float(fit.intercept_[0]), 6),
        "trained_on": {
            "applicants": n,
            "seed": seed,
            "bad_rate": round(float(y.mean()), 4),
            "holdout_auc": round(auc, 4),
            "holdout_applicants": len(holdout_y),
        },
    }


if __name__ == "__main__":  # pragma: no cover - retraining is a maintainer's step
    import sys

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1500
    model = train(n)
    MODEL_FILE.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(model["trained_on"]))
