"""Synthetic small-business borrowers (小微企业) with bank statements and planted warning signs.

One seed makes one applicant: registration (a unified social credit code with a valid GB
32100-2015 check character), shareholders and related accounts, an industry with its seasonal
pattern, 12-24 months of bank-statement transactions as a Chinese bank exports them, quarterly
VAT filings, existing debts, the owner's personal credit, and a loan request. A share of the
applicants carry warning signs, and the ground truth says which:

- ``concentration``: one customer pays 50-75% of the revenue;
- ``declining_revenue``: revenue falls by 40-60% over the statement;
- ``round_tripping``: money leaves for a related (sometimes undeclared) account and comes back
  within days in the same amount, booked as sales;
- ``cash_withdrawals``: irregular large cash withdrawals (15-40% of a month's revenue each);
- ``debt_growth``: several new loans from other lenders in the last six months.

Amounts are integer fen. Everything is drawn from `numpy.random.default_rng(seed)`, so the same
seed gives the same applicant, byte for byte.
"""

from __future__ import annotations

import calendar
import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from puhui.errors import ValidationError

SIGNS = ("concentration", "declining_revenue", "round_tripping", "cash_withdrawals", "debt_growth")

# -- the unified social credit code (统一社会信用代码), GB 32100-2015 -----------------------------
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3**i mod 31


def uscc_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code (GB 32100-2015, 4.3 and Annex A)."""
    if len(first17) != 17:
        raise ValidationError("a unified social credit code has 18 characters", field="uscc")
    total = 0
    for char, weight in zip(first17.upper(), USCC_WEIGHTS, strict=True):
        value = USCC_CHARS.find(char)
        if value < 0:
            raise ValidationError(
                f"unified social credit code: {char!r} is not allowed (GB 32100-2015 uses "
                "digits and capitals except I, O, Z, S, V)",
                field="uscc",
            )
        total += value * weight
    return USCC_CHARS[(31 - total % 31) % 31]


def valid_uscc(code: str) -> bool:
    code = code.strip().upper()
    if len(code) != 18:
        return False
    try:
        return uscc_check_char(code[:17]) == code[17]
    except ValidationError:
        return False


# -- industries: seasonal index by calendar month (Jan..Dec, mean 1), cost structure ------------
@dataclass(frozen=True, slots=True)
class Industry:
    code: str
    zh: str
    en: str
    season: tuple[float, ...]
    supplier_share: float  # purchases as a share of revenue
    pos_share: float  # share of revenue settled by card/QR acquirers (not attributable customers)
    suffix: str


INDUSTRIES: dict[str, Industry] = {
    i.code: i
    for i in (
        Industry(
            "retail",
            "零售",
            "Retail",
            (1.35, 1.15, 0.85, 0.90, 0.95, 0.95, 0.90, 0.90, 1.00, 1.05, 1.00, 1.10),
            0.60,
            0.6,
            "商贸有限公司",
        ),
        Industry(
            "catering",
            "餐饮",
            "Catering",
            (1.25, 1.30, 0.90, 0.95, 1.00, 0.95, 0.95, 0.95, 0.95, 1.05, 0.85, 0.90),
            0.45,
            0.7,
            "餐饮管理有限公司",
        ),
        Industry(
            "wholesale",
            "批发",
            "Wholesale",
            (1.10, 0.70, 1.00, 1.00, 1.00, 0.95, 0.95, 1.00, 1.05, 1.05, 1.05, 1.15),
            0.70,
            0.0,
            "贸易有限公司",
        ),
        Industry(
            "manufacturing",
            "制造",
            "Manufacturing",
            (0.95, 0.60, 1.00, 1.05, 1.05, 1.05, 1.00, 1.00, 1.05, 1.05, 1.10, 1.10),
            0.55,
            0.0,
            "制品有限公司",
        ),
        Industry(
            "agriculture",
            "农业",
            "Agriculture",
            (0.70, 0.60, 0.70, 0.80, 0.90, 1.00, 1.05, 1.20, 1.45, 1.45, 1.20, 0.95),
            0.50,
            0.0,
            "农业发展有限公司",
        ),
        Industry(
            "logistics",
            "物流",
            "Logistics",
            (1.05, 0.65, 0.95, 1.00, 1.00, 1.05, 0.95, 0.95, 1.00, 1.05, 1.25, 1.10),
            0.50,
            0.0,
            "物流有限公司",
        ),
        Industry(
            "ecommerce",
            "电商",
            "E-commerce",
            (0.95, 0.70, 0.90, 0.90, 0.95, 1.20, 0.90, 0.85, 0.90, 0.95, 1.60, 1.20),
            0.58,
            0.8,
            "电子商务有限公司",
        ),
    )
}

_CITIES = (
    ("厦门", "350200", "国家税务总局厦门市税务局"),
    ("福州", "350100", "国家税务总局福州市税务局"),
    ("杭州", "330100", "国家税务总局杭州市税务局"),
    ("成都", "510100", "国家税务总局成都市税务局"),
    ("长沙", "430100", "国家税务总局长沙市税务局"),
    ("郑州", "410100", "国家税务总局郑州市税务局"),
)
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玲斌辉鹏宇浩"
_WORDS = (
    "鑫源",
    "恒通",
    "华盛",
    "永信",
    "嘉禾",
    "瑞丰",
    "宏达",
    "金诚",
    "顺发",
    "百川",
    "东方",
    "兴旺",
    "汇丰",
    "锦程",
    "天宇",
    "佳美",
    "博远",
    "新航",
    "利民",
    "万象",
)
_PLATFORMS = (
    ("银联商务股份有限公司", "银联商户结算"),
    ("支付宝(中国)网络技术有限公司", "支付宝结算"),
    ("财付通支付科技有限公司", "微信支付结算"),
)
_LENDERS = (
    "网商银行",
    "微众银行",
    "平安普惠小额贷款有限公司",
    "度小满小额贷款有限公司",
    "中和农信小额贷款有限公司",
    "马上消费金融股份有限公司",
)
_BANKS = ("中国建设银行", "中国农业银行", "兴业银行", "招商银行")
_ODD_MEMOS_IN = ("Payment for goods", "服务费收入", "加工费", "合同款")
_ODD_MEMOS_OUT = ("材料采购", "Purchase of materials", "物流运费", "包装耗材")


@dataclass(slots=True)
class BusinessCase:
    """One generated applicant: files as a bank and the applicant would hand them over, and the
    ground truth (planted signs, true PD, sampled default)."""

    applicant: dict[str, Any]
    transactions: list[dict[str, Any]]
    planted: frozenset[str]
    true_pd: float
    defaulted: bool
    planted_rows: dict[str, list[str]] = field(default_factory=dict)

    def statement_csv(self) -> str:
        return statement_csv(self.transactions)


#: The header a Chinese bank's statement export carries (交易明细), in this order.
CSV_HEADER = ("交易流水号", "交易日期", "交易金额", "账户余额", "对方户名", "对方账号", "摘要")


def _yuan(minor: int) -> str:
    sign = "-" if minor < 0 else ""
    whole, fen = divmod(abs(minor), 100)
    return f"{sign}{whole}.{fen:02d}"


def _minor(yuan: str) -> int:
    whole, _, fen = yuan.partition(".")
    sign = -1 if whole.startswith("-") else 1
    return sign * (abs(int(whole)) * 100 + int((fen + "00")[:2]))


def statement_csv(transactions: list[dict[str, Any]]) -> str:
    """Transactions as the CSV a bank exports: Chinese header, signed amounts in yuan."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for t in transactions:
        writer.writerow(
            (
                t["id"],
                t["date"].isoformat(),
                _yuan(t["amount"]),
                _yuan(t["balance"]),
                t["counterparty"],
                t["account"],
                t["memo"],
            )
        )
    return out.getvalue()


def _month_start(end: date, months: int) -> date:
    year, month = end.year, end.month - months + 1
    while month <= 0:
        month += 12
        year -= 1
    return date(year, month, 1)


def _add_months(start: date, k: int) -> date:
    month0 = start.month - 1 + k
    return date(start.year + month0 // 12, month0 % 12 + 1, 1)


class _Builder:
    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.rows: list[
            tuple[date, int, str, str, str, str]
        ] = []  # date, amount, cp, acct, memo, tag

    def add(self, day: date, amount: int, cp: str, account: str, memo: str, tag: str = "") -> None:
        if amount != 0:
            self.rows.append((day, int(amount), cp, account, memo, tag))

    def person(self) -> str:
        r = self.rng
        given = "".join(r.choice(list(_GIVEN), size=int(r.integers(1, 3))))
        return str(r.choice(list(_SURNAMES))) + given

    def company(self, city: str, suffix: str) -> str:
        return city + str(self.rng.choice(_WORDS)) + str(self.rng.choice(_WORDS)) + suffix

    def card(self) -> str:
        return "6222" + "".join(str(d) for d in self.rng.integers(0, 10, size=15))

    def corporate(self) -> str:
        return "35" + "".join(str(d) for d in self.rng.integers(0, 10, size=16))


def _split(rng: np.random.Generator, total: int, n: int) -> list[int]:
    """`total` fen in `n` positive parts (Dirichlet shares), summing exactly."""
    if n <= 1 or total <= 0:
        return [total]
    shares = rng.dirichlet(np.full(n, 2.0))
    parts = np.floor(shares * total).astype(np.int64)
    parts[0] += total - int(parts.sum())
    return [int(p) for p in parts]


def _day_in(rng: np.random.Generator, month: date) -> date:
    days = calendar.monthrange(month.year, month.month)[1]
    return month + timedelta(days=int(rng.integers(0, days)))


def _capped_weights(rng: np.random.Generator, n: int, cap: float) -> np.ndarray:
    w = rng.dirichlet(np.full(n, 1.0))
    for _ in range(20):
        over = w > cap
        if not over.any():
            break
        excess = float((w[over] - cap).sum())
        w[over] = cap
        w[~over] += excess * w[~over] / w[~over].sum()
    return np.asarray(w / w.sum())


#: How strongly signs are planted. "clear": as a credit officer would call them at a glance;
#: "subtle": around or below the detectors' thresholds (to see where detection stops).
INTENSITY: dict[str, dict[str, tuple[Any, Any]]] = {
    "clear": {
        "share": (0.52, 0.75), "decline": (0.40, 0.60), "loans": (3, 6), "loan_size": (0.3, 0.7),
        "trips": (4, 8), "back": (0.99, 1.01), "delay": (1, 6), "cash": (3, 7),
        "cash_size": (0.15, 0.40),
    },
    "subtle": {
        "share": (0.30, 0.50), "decline": (0.15, 0.35), "loans": (2, 3), "loan_size": (0.15, 0.4),
        "trips": (2, 4), "back": (0.97, 1.03), "delay": (2, 11), "cash": (2, 3),
        "cash_size": (0.06, 0.15),
    },
}  # fmt: skip


def generate_business(
    seed: int,
    *,
    months: int = 24,
    end: date = date(2026, 9, 30),
    signs: tuple[str, ...] | None = None,
    sign_rate: float = 0.2,
    txns_per_month: int | None = None,
    intensity: str = "clear",
) -> BusinessCase:
    """One applicant from `seed`. `signs` forces exactly these warning signs; otherwise each
    sign is planted independently with probability `sign_rate`."""
    if intensity not in INTENSITY:
        raise ValidationError(f"intensity must be one of {sorted(INTENSITY)}", field="intensity")
    strength = INTENSITY[intensity]
    if not 12 <= months <= 60:
        raise ValidationError("months must be between 12 and 60", field="months")
    unknown = set(signs or ()) - set(SIGNS)
    if unknown:
        raise ValidationError(f"unknown signs {sorted(unknown)}; one of {SIGNS}", field="signs")
    rng = np.random.default_rng(seed)
    b = _Builder(rng)
    planted = (
        frozenset(signs)
        if signs is not None
        else frozenset(s for s in SIGNS if rng.random() < sign_rate)
    )
    industry = INDUSTRIES[str(rng.choice(sorted(INDUSTRIES)))]
    city, division, tax_office = _CITIES[int(rng.integers(0, len(_CITIES)))]
    name = b.company(city, industry.suffix)
    org = "".join(str(c) for c in rng.choice(list(USCC_CHARS), size=9))
    first17 = "91" + division + org
    uscc = first17 + uscc_check_char(first17)
    start = _month_start(end, months)
    founded = start - timedelta(days=int(rng.integers(200, 4000)))
    owner, partner = b.person(), b.person()
    owner_account, partner_account = b.card(), b.card()
    affiliate = b.company(city, "投资有限公司")
    affiliate_account = b.corporate()
    own_account = b.corporate()
    shareholders = [
        {"name": owner, "share": "0.7", "account": owner_account, "role": "法定代表人"},
        {"name": partner, "share": "0.3", "account": partner_account, "role": "股东"},
    ]
    related = [
        {"name": owner, "account": owner_account, "relation": "shareholder"},
        {"name": partner, "account": partner_account, "relation": "shareholder"},
        {"name": affiliate, "account": affiliate_account, "relation": "affiliate"},
    ]
    n_txn = txns_per_month or int(rng.integers(40, 110))
    base = int(np.clip(rng.lognormal(np.log(250_000), 0.5), 80_000, 2_000_000)) * 100
    drift = rng.normal(0.004, 0.004)
    decline_total = rng.uniform(*strength["decline"])
    planted_rows: dict[str, list[str]] = {s: [] for s in planted}

    # customers and suppliers
    n_cust = int(rng.integers(15, 40))
    customers = [
        (b.company(str(rng.choice([c[0] for c in _CITIES])), "有限公司"), b.corporate())
        for _ in range(n_cust)
    ]
    cust_w = _capped_weights(rng, n_cust, 0.18)
    big_share = rng.uniform(*strength["share"]) if "concentration" in planted else 0.0
    n_sup = int(rng.integers(5, 15))
    suppliers = [(b.company(city, "有限公司"), b.corporate()) for _ in range(n_sup)]
    sup_w = rng.dirichlet(np.full(n_sup, 1.5))
    landlord, landlord_account = b.person(), b.card()
    salary = int(rng.integers(4_000, 7_500)) * 100
    staff = max(2, int(base * rng.uniform(0.07, 0.14) / salary))
    rent = int(base * rng.uniform(0.03, 0.07)) // 10_000 * 10_000
    owner_draw = int(rng.integers(1, 6)) * 1_000_000
    revenue_by_month: list[int] = []

    for k in range(months):
        month = _add_months(start, k)
        season = industry.season[month.month - 1]
        trend = (1 + drift) ** k
        if "declining_revenue" in planted:
            trend *= (1 - decline_total) ** (k / (months - 1))
        revenue = int(base * season * trend * rng.lognormal(0, 0.07))
        revenue_by_month.append(revenue)
        n_in = max(4, int(n_txn * 0.45))
        pos_part = int(revenue * industry.pos_share)
        big_part = int(revenue * big_share)
        transfer_part = revenue - pos_part - big_part
        # card/QR settlements: daily-ish
        if pos_part:
            n_pos = max(1, n_in // 2)
            for amount in _split(rng, pos_part, n_pos):
                platform, memo = _PLATFORMS[int(rng.integers(0, len(_PLATFORMS)))]
                b.add(_day_in(rng, month), amount, platform, "", memo)
        n_tr = max(2, n_in - (n_in // 2 if pos_part else 0))
        for amount in _split(rng, transfer_part, n_tr):
            i = int(rng.choice(n_cust, p=cust_w))
            r = rng.random()
            memo = "货款" if r < 0.7 else ("转账" if r < 0.95 else str(rng.choice(_ODD_MEMOS_IN)))
            b.add(_day_in(rng, month), amount, customers[i][0], customers[i][1], memo)
        if big_part:
            for amount in _split(rng, big_part, int(rng.integers(1, 4))):
                b.add(_day_in(rng, month), amount, customers[0][0], customers[0][1], "货款", "conc")
        # purchases
        purchases = int(revenue * industry.supplier_share * rng.lognormal(0, 0.05))
        n_out = max(3, int(n_txn * 0.4))
        for amount in _split(rng, purchases, n_out):
            j = int(rng.choice(n_sup, p=sup_w))
            memo = "货款" if rng.random() < 0.85 else str(rng.choice(_ODD_MEMOS_OUT))
            b.add(_day_in(rng, month), -amount, suppliers[j][0], suppliers[j][1], memo)
        # fixed costs
        pay_day = month + timedelta(days=9)
        b.add(pay_day, -staff * salary, "", "", "代发工资")
        b.add(month + timedelta(days=4), -rent, landlord, landlord_account, "房租")
        b.add(
            month + timedelta(days=14),
            -int(revenue * rng.uniform(0.01, 0.02)),
            tax_office,
            "",
            "代扣税款",
        )
        b.add(
            month + timedelta(days=20),
            -int(revenue * rng.uniform(0.004, 0.012)),
            f"国网{city}供电公司",
            b.corporate(),
            "电费",
        )
        b.add(month + timedelta(days=25), -owner_draw, owner, owner_account, "个人消费")
        for _ in range(int(rng.integers(0, 3))):
            b.add(_day_in(rng, month), -int(rng.integers(10, 50)) * 10_000, "", "", "现金支取")
        if industry.pos_share and rng.random() < 0.5:
            b.add(_day_in(rng, month), int(rng.integers(20, 200)) * 10_000, "", "", "现金存入")
        b.add(_day_in(rng, month), -int(rng.integers(5, 60)) * 100, "", "", "手续费")
        if month.month in (3, 6, 9, 12):
            b.add(month + timedelta(days=19), int(rng.integers(50, 900)) * 100, "", "", "结息")
        if rng.random() < 0.05:
            j = int(rng.integers(0, n_sup))
            b.add(
                _day_in(rng, month),
                int(rng.integers(1, 30)) * 10_000,
                suppliers[j][0],
                suppliers[j][1],
                "退货退款",
            )
    if rng.random() < 0.3:  # the owner puts money in once or twice
        for _ in range(int(rng.integers(1, 3))):
            month = _add_months(start, int(rng.integers(0, months)))
            b.add(
                _day_in(rng, month),
                int(rng.integers(3, 15)) * 1_000_000,
                owner,
                owner_account,
                "投资款",
            )

    mean_revenue = int(np.mean(revenue_by_month))
    # existing debts: one or two old loans, sometimes one small recent one
    debts: list[dict[str, Any]] = []
    for _ in range(int(rng.integers(0, 3))):
        principal = int(mean_revenue * rng.uniform(0.5, 2.0)) // 100_000 * 100_000
        opened = start - timedelta(days=int(rng.integers(30, 700)))
        debts.append(_debt(rng, str(rng.choice(_BANKS)), principal, opened, end))
    if rng.random() < 0.3:
        principal = int(mean_revenue * rng.uniform(0.1, 0.3)) // 10_000 * 10_000
        opened = end - timedelta(days=int(rng.integers(10, 170)))
        debts.append(_debt(rng, str(rng.choice(_LENDERS)), principal, opened, end))
    if "debt_growth" in planted:
        for _ in range(int(rng.integers(*strength["loans"]))):
            principal = int(mean_revenue * rng.uniform(*strength["loan_size"])) // 10_000 * 10_000
            opened = end - timedelta(days=int(rng.integers(5, 175)))
            debts.append(_debt(rng, str(rng.choice(_LENDERS)), principal, opened, end, "new"))
    for d in debts:
        opened = date.fromisoformat(d["opened"])
        principal = _minor(d["principal"])
        tag = "debt" if d.pop("tag") else ""
        if opened >= start:
            b.add(opened, principal, d["lender"], "", "贷款发放", tag)
        payment = _minor(d["monthly_payment"])
        for k in range(1, int(d["term_months"]) + 1):
            day = opened + timedelta(days=30 * k)
            if start <= day <= end:
                b.add(day, -payment, d["lender"], "", "贷款还款")

    if "round_tripping" in planted:
        declared = rng.random() < 0.5
        if declared:
            via, via_account = (
                (owner, owner_account) if rng.random() < 0.5 else (affiliate, affiliate_account)
            )
        else:
            via, via_account = b.company(city, "实业有限公司"), b.corporate()  # not declared
        for _ in range(int(rng.integers(*strength["trips"]))):
            month = _add_months(start, int(rng.integers(0, months)))
            amount = int(mean_revenue * rng.uniform(0.15, 0.35)) // 100 * 100
            out_day = _day_in(rng, month)
            back = amount if rng.random() < 0.6 else int(amount * rng.uniform(*strength["back"]))
            b.add(
                out_day,
                -amount,
                via,
                via_account,
                str(rng.choice(["往来款", "借款", "转账"])),
                "rt",
            )
            b.add(
                out_day + timedelta(days=int(rng.integers(*strength["delay"]))),
                back,
                via,
                via_account,
                "货款",
                "rt",
            )

    if "cash_withdrawals" in planted:
        for _ in range(int(rng.integers(*strength["cash"]))):
            month = _add_months(start, int(rng.integers(0, months)))
            amount = int(mean_revenue * rng.uniform(*strength["cash_size"])) // 100_000 * 100_000
            b.add(
                _day_in(rng, month),
                -max(amount, 2_000_000 if intensity == "clear" else 500_000),
                "",
                "",
                str(rng.choice(["现金支取", "取现"])),
                "cash",
            )

    # order by date (stable), assign ids and the running balance
    rows = sorted(b.rows, key=lambda r: r[0])
    rows = [r for r in rows if start <= r[0] <= end]
    balance = int(mean_revenue * rng.uniform(1.0, 2.0))
    prefix = f"{seed:06d}"
    transactions: list[dict[str, Any]] = []
    tag_sign = {
        "conc": "concentration",
        "rt": "round_tripping",
        "cash": "cash_withdrawals",
        "debt": "debt_growth",
    }
    for n, (day, amount, cp, account, memo, tag) in enumerate(rows, start=1):
        balance += amount
        tid = f"T{prefix}{n:06d}"
        transactions.append(
            {
                "id": tid,
                "date": day,
                "amount": amount,
                "balance": balance,
                "counterparty": cp,
                "account": account,
                "memo": memo,
            }
        )
        if tag and tag_sign[tag] in planted_rows:
            planted_rows[tag_sign[tag]].append(tid)

    # quarterly VAT filings: declared sales a little under what the statement shows
    tax: list[dict[str, Any]] = []
    for q in range(0, months - months % 3, 3):
        month = _add_months(start, q)
        sales = sum(revenue_by_month[q : q + 3])
        declared_sales = int(sales * rng.uniform(0.85, 1.0))
        tax.append(
            {
                "period": f"{month.year}Q{(month.month - 1) // 3 + 1}",
                "declared_sales": _yuan(declared_sales),
                "vat_paid": _yuan(int(declared_sales * 0.03)),
            }
        )

    owner_pd = float(np.clip(rng.beta(2, 60), 0.003, 0.3))
    if "debt_growth" in planted:
        owner_pd = min(0.5, owner_pd * 1.5)
    amount = int(mean_revenue * rng.uniform(0.5, 2.0)) // 1_000_000 * 1_000_000
    amount = max(amount, 5_000_000)
    request = {
        "amount": _yuan(amount),
        "term_months": int(rng.choice([12, 24, 36])),
        "annual_rate": str(round(float(rng.uniform(0.06, 0.16)), 4)),
        "purpose": "经营周转",
    }
    applicant = {
        "name": name,
        "uscc": uscc,
        "industry": industry.code,
        "founded": founded.isoformat(),
        "city": city,
        "legal_representative": owner,
        "shareholders": shareholders,
        "related_accounts": related,
        "own_accounts": [own_account],
        "owner_credit": {"pd": round(owner_pd, 4), "source": "puhui personal risk model"},
        "tax_filings": tax,
        "debts": debts,
        "request": request,
        "statement_end": end.isoformat(),
    }
    logit = -3.4 + 9.0 * owner_pd
    logit += sum(
        {
            "concentration": 0.7,
            "declining_revenue": 1.2,
            "round_tripping": 1.1,
            "cash_withdrawals": 0.8,
            "debt_growth": 1.3,
        }[s]
        for s in planted
    )
    logit += 0.3 * max(0.0, amount / mean_revenue - 1.0)
    logit -= 0.15 * min(10.0, (end - founded).days / 365)
    true_pd = float(1 / (1 + np.exp(-logit)))
    defaulted = bool(rng.random() < true_pd)
    return BusinessCase(applicant, transactions, planted, true_pd, defaulted, planted_rows)


def _debt(
    rng: np.random.Generator, lender: str, principal: int, opened: date, end: date, tag: str = ""
) -> dict[str, Any]:
    term = int(rng.choice([12, 24, 36]))
    rate = float(rng.uniform(0.05, 0.2))
    monthly = int(principal * (rate / 12) / (1 - (1 + rate / 12) ** -term))
    elapsed = max(0, (end - opened).days // 30)
    balance = max(0, principal - principal * min(elapsed, term) // term)
    return {
        "lender": lender,
        "principal": _yuan(principal),
        "balance": _yuan(balance),
        "monthly_payment": _yuan(monthly),
        "opened": opened.isoformat(),
        "term_months": term,
        "tag": tag,
    }
