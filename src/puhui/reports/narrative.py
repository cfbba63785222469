"""The narrative section: a template from the facts, or the large model's draft, fact-checked.

The large model (through `puhui.ai.gateway`, redacted, recorded) sees only the displayed facts,
never the statement rows, the owner's identity or the risk grade (credit data stays on small
models). Its draft is kept only when every number in it appears among the facts it was given;
otherwise the template narrative is used and the report says why. Both are labelled.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from puhui.ai.router import get_task

if TYPE_CHECKING:
    from puhui.ai.gateway import Gateway
    from puhui.reports.analysis import Analysis

TASK = get_task("report.narrate")  # registered with the gateway's tasks (the AI inventory)
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
#: Facts the model may see (cash flows, customers, debt, flags); no identity, no grade.
NARRATIVE_FACTS = (
    "revenue.avg",
    "expense.avg",
    "revenue.trend",
    "customer.top_share",
    "customer.top5_share",
    "cashflow.monthly",
    "debt.balance",
    "debt.service",
    "loan.amount",
    "loan.term",
    "loan.payment",
    "dscr",
    "loan.capacity",
    "business.years",
    "statement.months",
)


def numbers_in(text: str) -> set[str]:
    return {m.replace(",", "").rstrip(".") for m in _NUMBER.findall(text)}


def unsupported_numbers(text: str, facts_text: str) -> list[str]:
    """Numbers in `text` that do not appear in `facts_text` (the check on a generated draft)."""
    allowed = numbers_in(facts_text)
    return sorted(n for n in numbers_in(text) if n not in allowed)


def facts_text(a: Analysis, lang: str, show: Any) -> str:
    lines = []
    for fid in NARRATIVE_FACTS:
        if fid in a.facts:
            f = a.facts[fid]
            lines.append(f"- {f.zh if lang == 'zh' else f.en}: {show(f, lang)}")
    for flag in a.flags:
        lines.append(f"- {'预警' if lang == 'zh' else 'red flag'}: {flag['code']}")
    return "\n".join(lines)


def template_narrative(a: Analysis, lang: str, show: Any) -> str:
    f = a.facts

    def s(fid: str) -> str:
        return str(show(f[fid], lang))

    flags = [x["code"] for x in a.flags]
    dscr = float(a.value("dscr"))
    if lang == "zh":
        parts = [
            f"申请人经营{s('business.years')}年，近期月均营业收入{s('revenue.avg')}，"
            f"月均经营支出{s('expense.avg')}，月均经营净现金流{s('cashflow.monthly')}。",
            f"剔除季节因素后，收入年化变化为{s('revenue.trend')}；最大客户占收入的"
            f"{s('customer.top_share')}，前五大客户合计{s('customer.top5_share')}。",
            f"现有负债余额{s('debt.balance')}，月还款{s('debt.service')}。本次申请"
            f"{s('loan.amount')}、期限{s('loan.term')}个月，月供约{s('loan.payment')}，"
            f"含新增贷款的偿债覆盖率为{s('dscr')}。",
            "按覆盖率要求测算，可承受的贷款额为" + s("loan.capacity") + "。"
            if a.value("loan.capacity")
            else "按覆盖率要求测算，现金流不足以承担新增贷款。",
            ("需关注的预警信号：" + "、".join(_ZH_FLAGS.get(c, c) for c in flags) + "。")
            if flags
            else "未发现预警信号。",
        ]
        return "".join(parts)
    parts = [
        f"The applicant has been in business for {s('business.years')} years, with average "
        f"monthly revenue of {s('revenue.avg')}, expense of {s('expense.avg')} and operating "
        f"cash flow of {s('cashflow.monthly')}.",
        f"Seasonally adjusted, revenue changes by {s('revenue.trend')} a year; the largest "
        f"customer pays {s('customer.top_share')} of revenue and the top five "
        f"{s('customer.top5_share')}.",
        f"Existing debt is {s('debt.balance')}, serviced at {s('debt.service')} a month. The "
        f"request is {s('loan.amount')} over {s('loan.term')} months, about {s('loan.payment')} "
        f"a month, for a debt-service coverage of {s('dscr')} with the new loan.",
        f"At the target coverage the business can carry a loan of {s('loan.capacity')}."
        if a.value("loan.capacity")
        else "Its cash flow cannot carry a new loan at the target coverage.",
        ("Red flags to review: " + ", ".join(_EN_FLAGS.get(c, c) for c in flags) + ".")
        if flags
        else "No red flag was raised.",
    ]
    del dscr
    return " ".join(parts)


_ZH_FLAGS = {
    "concentration": "客户集中",
    "declining_revenue": "收入下滑",
    "round_tripping": "疑似资金回流",
    "cash_withdrawals": "大额取现",
    "debt_growth": "负债快速增加",
    "tax_gap": "纳税申报与流水差异",
}
_EN_FLAGS = {
    "concentration": "customer concentration",
    "declining_revenue": "declining revenue",
    "round_tripping": "round-tripping",
    "cash_withdrawals": "large cash withdrawals",
    "debt_growth": "sudden debt growth",
    "tax_gap": "tax filings below the statement",
}


def narrative(a: Analysis, lang: str, show: Any, gateway: Gateway | None = None) -> dict[str, Any]:
    """{"text", "source": template|generated, "note"}: the large model's draft when a gateway
    with a large model is given and its draft passes the number check, else the template."""
    template = template_narrative(a, lang, show)
    if gateway is None or gateway.client is None:
        return {"text": template, "source": "template", "note": ""}
    given = facts_text(a, lang, show)
    instruction = (
        "根据以下事实，用中文写一段尽职调查叙述（不超过200字），只使用给出的数字：\n"
        if lang == "zh"
        else "From these facts only, write a due-diligence narrative (under 150 words); use "
        "no number that is not given:\n"
    )
    from puhui.errors import PuhuiError

    try:
        result = gateway.run(TASK, instruction + given, caller="reports")
    except PuhuiError as error:
        return {"text": template, "source": "template", "note": f"large model: {error.message}"}
    draft = result.text.strip()
    bad = unsupported_numbers(draft, given)
    if bad or not draft:
        return {
            "text": template,
            "source": "template",
            "note": "generated draft rejected: numbers not in the facts: " + ", ".join(bad[:10]),
        }
    return {"text": draft, "source": "generated", "note": result.call_id}
