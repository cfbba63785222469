"""The deterministic analysis of a due-diligence report: facts, each with the rows behind it.

`analyse(applicant, transactions)` categorises the statement, sums revenue and expense by
month, measures the trend against the industry's seasonal pattern, the customer concentration,
the related-party flows, debt service and the coverage of the requested loan (its schedule
from `puhui.lending`), raises red flags (`flags.py`) and grades the risk (`grade.py`). Every
number the report shows is a `Fact` carrying the ids of the statement rows it was computed
from. Pure: no clock, no I/O, no randomness; the same inputs give the same facts.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from statistics import median
from typing import Any

from puhui.lending.schedule import generate_schedule
from puhui.lending.terms import LoanTerms
from puhui.population.business import INDUSTRIES
from puhui.rate import Rate
from puhui.reports.applicant import Applicant
from puhui.reports.categorise import Categorised, categorise, rulebook
from puhui.reports.statement import Transaction

ENGINE_VERSION = "dd-1"
#: Coverage a lender asks for: operating cash flow / debt service.
TARGET_DSCR = 1.25
WINDOW_MONTHS = 12


@dataclass(frozen=True, slots=True)
class Fact:
    """One number of the report. `unit`: fen, ratio, times, count, months, pct_year, text."""

    id: str
    zh: str
    en: str
    value: Any
    unit: str
    rows: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "zh": self.zh,
            "en": self.en,
            "value": self.value,
            "unit": self.unit,
            "rows": list(self.rows),
        }


@dataclass
class Analysis:
    applicant: Applicant
    rows: list[Categorised]
    start: date
    end: date
    months: list[str]
    facts: dict[str, Fact] = field(default_factory=dict)
    monthly: list[dict[str, Any]] = field(default_factory=list)
    customers: list[dict[str, Any]] = field(default_factory=list)
    categories: list[dict[str, Any]] = field(default_factory=list)
    tax: list[dict[str, Any]] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)
    grade: dict[str, Any] = field(default_factory=dict)
    schedule: list[dict[str, Any]] = field(default_factory=list)

    def add(self, fact: Fact) -> Fact:
        self.facts[fact.id] = fact
        return fact

    def value(self, fact_id: str) -> Any:
        return self.facts[fact_id].value

    def to_dict(self) -> dict[str, Any]:
        a = self.applicant
        return {
            "engine": ENGINE_VERSION,
            "rules": rulebook().version,
            "applicant": {
                "name": a.name,
                "uscc": a.uscc,
                "industry": a.industry,
                "founded": a.founded.isoformat(),
            },
            "period": {
                "start": self.start.isoformat(),
                "end": self.end.isoformat(),
                "months": len(self.months),
                "transactions": len(self.rows),
            },
            "facts": {k: f.to_dict() for k, f in self.facts.items()},
            "monthly": [{k: v for k, v in m.items() if k != "rows"} for m in self.monthly],
            "customers": [{k: v for k, v in c.items() if k != "rows"} for c in self.customers],
            "flags": self.flags,
            "grade": self.grade,
        }


def month_of(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def _months_between(start: date, end: date) -> list[str]:
    out = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _kind(code: str) -> str:
    return rulebook().categories[code].kind


def analyse(
    applicant: Applicant, transactions: Sequence[Transaction], *, embeddings: bool = False
) -> Analysis:
    from puhui.reports.flags import detect_flags
    from puhui.reports.grade import grade

    related = set(applicant.related_by_account())
    rows = categorise(transactions, related, embeddings=embeddings)
    start = min(t.date for t in transactions)
    end = max(t.date for t in transactions)
    a = Analysis(applicant, rows, start, end, _months_between(start, end))
    _monthly(a)
    _trend(a)
    _customers(a)
    _related(a)
    _tax(a)
    _debt_and_coverage(a)
    a.flags = detect_flags(a)
    a.grade = grade(a)
    return a


def _monthly(a: Analysis) -> None:
    book = rulebook()
    by_month: dict[str, dict[str, Any]] = {
        m: {
            "month": m,
            "revenue": 0,
            "expense": 0,
            "debt_service": 0,
            "revenue_rows": [],
            "expense_rows": [],
        }
        for m in a.months
    }
    by_category: dict[str, list[Categorised]] = defaultdict(list)
    for c in a.rows:
        by_category[c.category].append(c)
        m = by_month[month_of(c.txn.date)]
        kind = book.categories[c.category].kind
        if kind == "revenue":
            m["revenue"] += c.txn.amount
            m["revenue_rows"].append(c.txn.id)
        elif kind in ("opex", "refund"):  # a refund lowers what was spent
            m["expense"] -= c.txn.amount
            m["expense_rows"].append(c.txn.id)
        elif kind == "debt_service":
            m["debt_service"] -= c.txn.amount
    for m in by_month.values():
        m["net"] = m["revenue"] - m["expense"]
        a.add(
            Fact(
                f"revenue.{m['month']}",
                f"{m['month']} 营业收入",
                f"Revenue {m['month']}",
                m["revenue"],
                "fen",
                tuple(m["revenue_rows"]),
            )
        )
        a.add(
            Fact(
                f"expense.{m['month']}",
                f"{m['month']} 经营支出",
                f"Expense {m['month']}",
                m["expense"],
                "fen",
                tuple(m["expense_rows"]),
            )
        )
    a.monthly = list(by_month.values())
    window = a.monthly[-WINDOW_MONTHS:]
    rev_rows = tuple(r for m in window for r in m["revenue_rows"])
    exp_rows = tuple(r for m in window for r in m["expense_rows"])
    n = len(window)
    a.add(
        Fact(
            "revenue.avg",
            f"近{n}个月月均营业收入",
            f"Average monthly revenue, last {n} months",
            sum(m["revenue"] for m in window) // n,
            "fen",
            rev_rows,
        )
    )
    a.add(
        Fact(
            "expense.avg",
            f"近{n}个月月均经营支出",
            f"Average monthly expense, last {n} months",
            sum(m["expense"] for m in window) // n,
            "fen",
            exp_rows,
        )
    )
    a.add(
        Fact(
            "revenue.total",
            "流水期内营业收入合计",
            "Revenue over the statement",
            sum(m["revenue"] for m in a.monthly),
            "fen",
            tuple(r for m in a.monthly for r in m["revenue_rows"]),
        )
    )
    a.add(Fact("statement.months", "流水月数", "Months of statement", len(a.months), "months"))
    a.add(Fact("statement.rows", "流水笔数", "Statement rows", len(a.rows), "count"))
    a.add(
        Fact(
            "revenue.median",
            "月营业收入中位数",
            "Median monthly revenue",
            int(median(m["revenue"] for m in a.monthly)),
            "fen",
        )
    )
    for code, items in sorted(by_category.items(), key=lambda kv: kv[0]):
        category = book.categories[code]
        total = sum(c.txn.amount for c in items)
        fact = a.add(
            Fact(
                f"category.{code}",
                category.zh,
                category.en,
                abs(total),
                "fen",
                tuple(c.txn.id for c in items),
            )
        )
        methods: dict[str, int] = defaultdict(int)
        for c in items:
            methods[c.method] += 1
        a.categories.append(
            {
                "code": code,
                "kind": category.kind,
                "fact": fact.id,
                "count": len(items),
                "methods": dict(sorted(methods.items())),
            }
        )
    unrecognised = tuple(c.txn.id for c in a.rows if c.method == "default")
    a.add(
        Fact(
            "rows.default",
            "未被规则识别、按方向归类的笔数",
            "Rows no rule recognised (categorised by direction)",
            len(unrecognised),
            "count",
            unrecognised,
        )
    )


def _trend(a: Analysis) -> None:
    """Deseasonalised revenue (industry index), its log-linear trend and the seasonal peak."""
    season = INDUSTRIES[a.applicant.industry].season
    points = []
    for k, m in enumerate(a.monthly):
        month = int(m["month"][5:])
        adjusted = m["revenue"] / season[month - 1]
        m["adjusted"] = int(adjusted)
        if adjusted > 0:
            points.append((k, math.log(adjusted)))
    slope = 0.0
    if len(points) >= 3:
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        sxx = sum((x - mx) ** 2 for x in xs)
        slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0
    annual = math.exp(12 * slope) - 1
    rows = tuple(r for m in a.monthly for r in m["revenue_rows"])
    a.add(
        Fact(
            "revenue.trend",
            "剔除季节因素后的收入年化变化",
            "Revenue trend a year (seasonally adjusted)",
            round(annual, 4),
            "ratio",
            rows,
        )
    )
    first = a.monthly[:3]
    last = a.monthly[-3:]
    f_adj = sum(m["adjusted"] for m in first) / len(first)
    l_adj = sum(m["adjusted"] for m in last) / len(last)
    a.add(
        Fact(
            "revenue.last3_vs_first3",
            "末3个月与首3个月季调收入之比",
            "Last 3 vs first 3 months, seasonally adjusted",
            round(l_adj / f_adj, 4) if f_adj else 0.0,
            "ratio",
            tuple(r for m in first + last for r in m["revenue_rows"]),
        )
    )
    peak = max(range(12), key=lambda i: season[i]) + 1
    low = min(range(12), key=lambda i: season[i]) + 1
    a.add(Fact("season.peak", "行业旺季月份", "Industry peak month", peak, "month"))
    a.add(Fact("season.low", "行业淡季月份", "Industry low month", low, "month"))
    if len(a.monthly) >= 24:  # this business's own pattern: each month over its year's mean
        last24 = a.monthly[-24:]
        index = []
        for i in range(12):
            yearly = [
                sum(m["revenue"] for m in last24[:12]),
                sum(m["revenue"] for m in last24[12:]),
            ]
            ratios = [last24[i + 12 * y]["revenue"] * 12 / yearly[y] for y in (0, 1) if yearly[y]]
            index.append(round(sum(ratios) / len(ratios), 3) if ratios else 0.0)
        a.add(
            Fact(
                "season.own_peak_ratio",
                "自身旺季月收入/年均",
                "Own peak month over the mean",
                max(index),
                "times",
                (),
            )
        )


def _customers(a: Analysis) -> None:
    by_key: dict[str, dict[str, Any]] = {}
    revenue = 0
    for c in a.rows:
        if _kind(c.category) != "revenue":
            continue
        revenue += c.txn.amount
        if c.category != "sales" or not c.txn.counterparty:
            continue  # card settlements and cash are not one customer
        key = c.txn.account or c.txn.counterparty
        entry = by_key.setdefault(
            key, {"name": c.txn.counterparty, "account": c.txn.account, "amount": 0, "rows": []}
        )
        entry["amount"] += c.txn.amount
        entry["rows"].append(c.txn.id)
    ranked = sorted(by_key.values(), key=lambda e: (-e["amount"], e["account"], e["name"]))
    for i, e in enumerate(ranked[:5]):
        e["share"] = round(e["amount"] / revenue, 4) if revenue else 0.0
        e["fact"] = f"customer.{i + 1}"
        a.add(
            Fact(
                e["fact"],
                f"第{i + 1}大客户回款：{e['name']}",
                f"Customer #{i + 1}: {e['name']}",
                e["amount"],
                "fen",
                tuple(e["rows"]),
            )
        )
    a.customers = ranked[:5]
    top: dict[str, Any] = ranked[0] if ranked else {"share": 0.0, "rows": []}
    a.add(
        Fact(
            "customer.top_share",
            "最大客户收入占比",
            "Largest customer's share of revenue",
            top.get("share", 0.0),
            "ratio",
            tuple(top["rows"]),
        )
    )
    top5 = sum(e["amount"] for e in ranked[:5])
    a.add(
        Fact(
            "customer.top5_share",
            "前五大客户收入占比",
            "Top five customers' share of revenue",
            round(top5 / revenue, 4) if revenue else 0.0,
            "ratio",
            tuple(r for e in ranked[:5] for r in e["rows"]),
        )
    )
    a.add(Fact("customer.count", "有回款的客户数", "Paying customers", len(ranked), "count"))


def _related(a: Analysis) -> None:
    ins = [c.txn for c in a.rows if c.category == "related_in"]
    outs = [c.txn for c in a.rows if c.category == "related_out"]
    a.add(
        Fact(
            "related.in",
            "关联方转入合计",
            "Received from related parties",
            sum(t.amount for t in ins),
            "fen",
            tuple(t.id for t in ins),
        )
    )
    a.add(
        Fact(
            "related.out",
            "转给关联方合计",
            "Paid to related parties",
            -sum(t.amount for t in outs),
            "fen",
            tuple(t.id for t in outs),
        )
    )


def _tax(a: Analysis) -> None:
    by_quarter: dict[str, tuple[int, list[str]]] = {}
    for m in a.monthly:
        q = f"{m['month'][:4]}Q{(int(m['month'][5:]) - 1) // 3 + 1}"
        total, rows = by_quarter.get(q, (0, []))
        by_quarter[q] = (total + m["revenue"], rows + m["revenue_rows"])
    for filing in a.applicant.tax_filings:
        statement, rows = by_quarter.get(filing.period, (0, []))
        ratio = round(filing.declared_sales / statement, 4) if statement else None
        a.add(
            Fact(
                f"tax.{filing.period}",
                f"{filing.period} 申报销售额/流水收入",
                f"{filing.period} declared sales / statement revenue",
                ratio,
                "ratio",
                tuple(rows),
            )
        )
        a.tax.append(
            {
                "period": filing.period,
                "declared": filing.declared_sales,
                "statement": statement,
                "ratio": ratio,
                "fact": f"tax.{filing.period}",
            }
        )


def _debt_and_coverage(a: Analysis) -> None:
    app = a.applicant
    active = [d for d in app.debts if d.balance > 0]
    declared_service = sum(d.monthly_payment for d in active)
    repay = [
        c.txn
        for c in a.rows
        if c.category == "loan_repayment" and c.txn.date > a.end - timedelta(days=92)
    ]
    observed_service = -sum(t.amount for t in repay) // 3
    service = max(declared_service, observed_service)
    a.add(
        Fact(
            "debt.balance",
            "现有负债余额",
            "Existing debt outstanding",
            sum(d.balance for d in active),
            "fen",
        )
    )
    a.add(
        Fact(
            "debt.service",
            "现有月还款额（申报与流水取大）",
            "Existing monthly debt service (declared or observed, the larger)",
            service,
            "fen",
            tuple(t.id for t in repay),
        )
    )
    # the requested loan, through the lending core's schedule
    req = app.request
    terms = LoanTerms(
        principal=Decimal(req.amount) / 100,
        nominal_rate=Rate.of(req.annual_rate),
        installments=req.term_months,
        disbursed=a.end + timedelta(days=1),
    )
    schedule = generate_schedule(terms)
    first = schedule.installments[: min(12, len(schedule.installments))]
    payment = -(-sum(i.total for i in first) // len(first))  # ceil: in fen
    a.schedule = [
        {
            "n": i.n,
            "due": i.due_date.isoformat(),
            "principal": i.principal,
            "interest": i.interest,
            "total": i.total,
            "balance": i.balance,
        }
        for i in schedule.installments
    ]
    a.add(Fact("loan.amount", "申请金额", "Amount requested", req.amount, "fen"))
    a.add(Fact("loan.term", "期限（月）", "Term (months)", req.term_months, "months"))
    a.add(Fact("loan.rate", "年利率", "Nominal annual rate", float(req.annual_rate), "ratio"))
    a.add(
        Fact(
            "loan.payment",
            "新增贷款月供（前12期平均）",
            "New loan's monthly payment (first 12 months)",
            payment,
            "fen",
        )
    )
    a.add(
        Fact(
            "loan.total_interest",
            "新增贷款利息合计",
            "Interest over the new loan",
            schedule.total_interest,
            "fen",
        )
    )
    window = a.monthly[-WINDOW_MONTHS:]
    rows = tuple(r for m in window for r in m["revenue_rows"] + m["expense_rows"])
    cash_flow = sum(m["net"] for m in window) // len(window)
    a.add(
        Fact(
            "cashflow.monthly",
            "月均经营净现金流",
            "Monthly operating cash flow",
            cash_flow,
            "fen",
            rows,
        )
    )
    dscr = cash_flow / (service + payment) if service + payment else 0.0
    a.add(
        Fact(
            "dscr",
            "偿债覆盖率（含新增贷款）",
            "Debt-service coverage with the new loan",
            round(dscr, 2),
            "times",
            rows,
        )
    )
    dscr_now = cash_flow / service if service else None
    a.add(
        Fact(
            "dscr.existing",
            "现有偿债覆盖率",
            "Debt-service coverage today",
            None if dscr_now is None else round(dscr_now, 2),
            "times",
            rows,
        )
    )
    room = cash_flow / TARGET_DSCR - service
    capacity = 0
    if room > 0 and payment > 0:
        capacity = int(req.amount * room / payment) // 1_000_000 * 1_000_000  # 10,000 yuan steps
    a.add(
        Fact(
            "loan.capacity",
            f"覆盖率{TARGET_DSCR}倍下可承受的贷款额",
            f"Largest loan at coverage {TARGET_DSCR}x",
            capacity,
            "fen",
            rows,
        )
    )
    years = (a.end - app.founded).days / 365.25
    a.add(Fact("business.years", "经营年限", "Years in business", round(years, 1), "years"))
    if app.owner_pd is not None:
        a.add(
            Fact("owner.pd", "实际控制人个人违约概率", "Owner's personal PD", app.owner_pd, "ratio")
        )
    if app.owner_score is not None:
        a.add(Fact("owner.score", "实际控制人个人信用评分", "Owner's credit score",
                   app.owner_score, "count"))  # fmt: skip
