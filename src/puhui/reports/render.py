"""The report as one self-contained HTML page (inline SVG charts, inline script) and as PDF.

Nothing is fetched: styles, charts and the evidence (every row a figure was computed from)
are inside the page. In a browser, clicking a figure or a chart's bar opens its rows; in the
PDF the evidence table at the end lists them. The output depends only on the analysis, the
language, the report id and the narrative, so the same inputs give the same bytes.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from puhui.errors import ValidationError
from puhui.population.business import INDUSTRIES
from puhui.reports.analysis import Analysis, Fact
from puhui.reports.categorise import rulebook

_ENV = Environment(
    loader=FileSystemLoader(str(Path(__file__).parent / "templates")),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
LANGS = ("zh", "en")
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "小微企业尽职调查报告",
        "uscc": "统一社会信用代码",
        "industry": "行业",
        "founded": "成立日期",
        "period": "流水期间",
        "report_id": "报告编号",
        "summary": "一、结论摘要",
        "grade": "风险等级",
        "pd": "模型违约概率",
        "reasons": "主要原因",
        "business": "二、企业概况",
        "shareholders": "股东",
        "share": "持股比例",
        "related": "关联账户",
        "relation": "关系",
        "account": "账号",
        "name": "名称",
        "cashflow": "三、经营现金流",
        "month": "月份",
        "revenue": "营业收入",
        "expense": "经营支出",
        "net": "净现金流",
        "trend": "趋势与季节性",
        "categories": "收支分类",
        "category": "类别",
        "count": "笔数",
        "amount": "金额",
        "method": "识别方式",
        "customers": "四、客户与关联方",
        "customer": "客户",
        "debt": "五、负债与还款能力",
        "lender": "贷款机构",
        "balance": "余额",
        "payment": "月还款",
        "opened": "起始日",
        "tax": "六、纳税申报核对",
        "declared": "申报销售额",
        "statement": "流水收入",
        "ratio": "比值",
        "quarter": "季度",
        "flags": "七、风险预警",
        "severity": "级别",
        "rows": "相关流水",
        "no_flags": "未发现预警信号。",
        "narrative": "八、综合分析",
        "generated": "由大模型根据上述事实生成，已核对其中每个数字均来自事实",
        "templated": "模板生成（未使用大模型）",
        "evidence": "附录：证据表",
        "fact": "数据项",
        "value": "数值",
        "show_rows": "点击任一数字或图中柱形可查看其来源流水。",
        "close": "关闭",
        "chart_monthly": "月度营业收入与经营支出",
        "chart_customers": "前五大客户收入占比",
        "date": "日期",
        "counterparty": "对方户名",
        "memo": "摘要",
        "id": "流水号",
        "recommend": "建议",
        "schedule": "新增贷款还款计划（前12期）",
        "due": "到期日",
        "principal": "本金",
        "interest": "利息",
        "total": "合计",
        "request": "申请",
        "flag.concentration": "客户集中：最大客户收入占比 {share}",
        "flag.declining_revenue": "收入下滑：季调后年化变化 {trend}，末3个月/首3个月 {ratio}",
        "flag.round_tripping": "疑似资金回流：{pairs} 笔资金转出后数日内等额转回，合计 {amount}",
        "flag.cash_withdrawals": "大额不规律取现：{count} 笔，合计 {amount}",
        "flag.debt_growth": "负债快速增加：近6个月新增 {count} 笔借款，合计 {amount}",
        "flag.tax_gap": "纳税申报偏低：{period} 申报销售额为流水收入的 {ratio}",
        "sev.high": "高",
        "sev.medium": "中",
        "sev.low": "低",
        "rec.approve": "按申请条件审批",
        "rec.reduce": "降低金额至可承受额度",
        "rec.review": "人工复核预警信号后再决定",
        "rec.decline": "拒绝",
        "owner_source": "来自本行个人风险模型的最近一次决策",
        "rel.shareholder": "股东",
        "rel.affiliate": "关联企业",
        "rel.family": "亲属",
        "rel.related": "关联方",
        "m.rule": "规则",
        "m.related": "关联账户",
        "m.embedding": "语义相似",
        "m.default": "按方向默认",
    },
    "en": {
        "title": "Small-business due-diligence report",
        "uscc": "Unified social credit code",
        "industry": "Industry",
        "founded": "Founded",
        "period": "Statement period",
        "report_id": "Report id",
        "summary": "1. Summary",
        "grade": "Risk grade",
        "pd": "Model PD",
        "reasons": "Main reasons",
        "business": "2. The business",
        "shareholders": "Shareholders",
        "share": "Share",
        "related": "Related accounts",
        "relation": "Relation",
        "account": "Account",
        "name": "Name",
        "cashflow": "3. Cash flow",
        "month": "Month",
        "revenue": "Revenue",
        "expense": "Expense",
        "net": "Net",
        "trend": "Trend and seasonality",
        "categories": "Categories",
        "category": "Category",
        "count": "Rows",
        "amount": "Amount",
        "method": "Recognised by",
        "customers": "4. Customers and related parties",
        "customer": "Customer",
        "debt": "5. Debt and repayment capacity",
        "lender": "Lender",
        "balance": "Balance",
        "payment": "Monthly payment",
        "opened": "Opened",
        "tax": "6. Tax filings",
        "declared": "Declared sales",
        "statement": "Statement revenue",
        "ratio": "Ratio",
        "quarter": "Quarter",
        "flags": "7. Red flags",
        "severity": "Severity",
        "rows": "Rows",
        "no_flags": "No red flag was raised.",
        "narrative": "8. Narrative",
        "generated": (
            "Generated by a large model from the facts above; every number checked against them"
        ),
        "templated": "Template narrative (no large model used)",
        "evidence": "Appendix: evidence",
        "fact": "Figure",
        "value": "Value",
        "show_rows": "Click any figure or bar to see the statement rows behind it.",
        "close": "Close",
        "chart_monthly": "Monthly revenue and expense",
        "chart_customers": "Top five customers' share of revenue",
        "date": "Date",
        "counterparty": "Counterparty",
        "memo": "Memo",
        "id": "Row id",
        "recommend": "Recommendation",
        "schedule": "Schedule of the new loan (first 12)",
        "due": "Due",
        "principal": "Principal",
        "interest": "Interest",
        "total": "Total",
        "request": "Request",
        "flag.concentration": (
            "Customer concentration: the largest customer pays {share} of revenue"
        ),
        "flag.declining_revenue": (
            "Declining revenue: {trend} a year seasonally adjusted; last 3 months / first 3 {ratio}"
        ),
        "flag.round_tripping": (
            "Round-tripping: {pairs} sums left and came back within days, {amount} in all"
        ),
        "flag.cash_withdrawals": "Irregular large cash withdrawals: {count}, {amount} in all",
        "flag.debt_growth": "Sudden debt growth: {count} new loans in 6 months, {amount} in all",
        "flag.tax_gap": "Tax filings low: {period} declared sales are {ratio} of statement revenue",
        "sev.high": "high",
        "sev.medium": "medium",
        "sev.low": "low",
        "rec.approve": "Approve as requested",
        "rec.reduce": "Reduce the amount to the capacity",
        "rec.review": "Review the red flags before deciding",
        "rec.decline": "Decline",
        "owner_source": "from the bank's personal risk model, latest decision",
        "rel.shareholder": "shareholder",
        "rel.affiliate": "affiliated company",
        "rel.family": "family",
        "rel.related": "related party",
        "m.rule": "rule",
        "m.related": "related account",
        "m.embedding": "embeddings",
        "m.default": "direction default",
    },
}


def yuan(fen: int) -> str:
    """Fen as whole yuan with thousands separators (half-even): ¥1,234,568, -¥18,776."""
    value = (Decimal(fen) / 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    return f"-¥{-value:,}" if value < 0 else f"¥{value:,}"


def show(fact: Fact, lang: str) -> str:
    """A fact as people read it, in `lang`."""
    v = fact.value
    if v is None:
        return "—"
    if fact.unit == "fen":
        return yuan(int(v))
    if fact.unit == "ratio":
        return f"{float(v) * 100:.1f}%"
    if fact.unit == "times":
        return f"{float(v):.2f}" + ("倍" if lang == "zh" else "×")
    if fact.unit == "month":
        return f"{v}月" if lang == "zh" else _MONTHS_EN[int(v) - 1]
    return str(v)


def recommendation(a: Analysis) -> str:
    flags = {f["code"] for f in a.flags if f["severity"] == "high"}
    if a.grade["grade"] == "E" or a.value("loan.capacity") == 0:
        return "rec.decline"
    if flags or a.grade["grade"] == "D":
        return "rec.review"
    if a.value("loan.capacity") < a.value("loan.amount"):
        return "rec.reduce"
    return "rec.approve"


# Presentation as SVG attributes, not page CSS: WeasyPrint does not style inline SVG from <style>.
_FILL = {"rev": "#2e86c1", "exp": "#aab7b8"}
_AXIS = 'font-size="10" fill="#52606d"'


def _bars_svg(a: Analysis, t: dict[str, str]) -> str:
    """Grouped monthly bars (revenue, expense); each bar opens its rows."""
    months = a.monthly
    width, height, left, bottom, top = 720, 260, 84, 36, 16
    peak = max([m["revenue"] for m in months] + [m["expense"] for m in months] + [1])
    step = (width - left - 8) / len(months)
    bar = max(2.0, step * 0.38)
    scale = (height - top - bottom) / peak
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="chart-monthly" class="chart" '
        f'viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(t["chart_monthly"])}">'
    ]
    for k in range(5):
        value = peak * k / 4
        y = height - bottom - value * scale
        parts.append(
            f'<line x1="{left}" x2="{width - 4}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e4e7eb"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" {_AXIS} text-anchor="end">'
            f"{escape(yuan(int(value)))}</text>"
        )
    for i, m in enumerate(months):
        x = left + i * step + (step - 2 * bar) / 2
        for j, (key, cls) in enumerate((("revenue", "rev"), ("expense", "exp"))):
            h = max(0.0, m[key]) * scale
            parts.append(
                f'<rect class="bar {cls}" data-fact="{key}.{m["month"]}" x="{x + j * bar:.1f}" '
                f'y="{height - bottom - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{_FILL[cls]}"><title>{escape(m["month"])} {escape(t[key])} '
                f"{escape(yuan(m[key]))}</title></rect>"
            )
        if len(months) <= 12 or i % 3 == 0:
            parts.append(
                f'<text x="{x + bar:.1f}" y="{height - bottom + 14}" {_AXIS} '
                f'text-anchor="middle">{escape(m["month"][2:])}</text>'
            )
    parts.append(
        f'<rect x="{left}" y="{height - 14}" width="10" height="10" fill="{_FILL["rev"]}"/>'
        f'<text x="{left + 14}" y="{height - 5}" {_AXIS}>{escape(t["revenue"])}</text>'
        f'<rect x="{left + 110}" y="{height - 14}" width="10" height="10" fill="{_FILL["exp"]}"/>'
        f'<text x="{left + 124}" y="{height - 5}" {_AXIS}>{escape(t["expense"])}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _customers_svg(a: Analysis, t: dict[str, str]) -> str:
    width, row = 720, 26
    height = 12 + row * max(1, len(a.customers))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="chart-customers" class="chart" '
        f'viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(t["chart_customers"])}">'
    ]
    for i, c in enumerate(a.customers):
        y = 6 + i * row
        w = 400 * float(c["share"])
        parts.append(
            f'<text x="270" y="{y + 15}" {_AXIS} text-anchor="end">{escape(c["name"][:18])}</text>'
        )
        parts.append(
            f'<rect class="bar rev" data-fact="{c["fact"]}" x="280" y="{y}" '
            f'width="{max(w, 1):.1f}" height="18" fill="{_FILL["rev"]}">'
            f"<title>{escape(c['name'])}</title></rect>"
        )
        parts.append(
            f'<text x="{286 + w:.1f}" y="{y + 14}" {_AXIS}>{float(c["share"]) * 100:.1f}%</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _evidence(a: Analysis) -> str:
    """The rows and which facts use them, as JSON for the page's script."""
    book = rulebook()
    rows = {
        c.txn.id: [
            c.txn.date.isoformat(),
            yuan(c.txn.amount),
            c.txn.counterparty,
            c.txn.memo,
            book.categories[c.category].zh + " / " + book.categories[c.category].en,
        ]
        for c in a.rows
    }
    facts = {fid: list(f.rows) for fid, f in a.facts.items() if f.rows}
    flags = {f"flag.{i}": f["rows"] for i, f in enumerate(a.flags)}
    text = json.dumps(
        {"rows": rows, "facts": {**facts, **flags}},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return text.replace("</", "<\\/")


def _ids(rows: tuple[str, ...] | list[str], limit: int = 12) -> str:
    shown = ", ".join(rows[:limit])
    return shown + (f" … (+{len(rows) - limit})" if len(rows) > limit else "")


def render_html(
    a: Analysis, lang: str = "zh", *, report_id: str = "", narrative: dict[str, Any] | None = None
) -> str:
    if lang not in LANGS:
        raise ValidationError(f"lang must be one of {', '.join(LANGS)}", field="lang")
    from puhui.reports.narrative import template_narrative

    t = TEXT[lang]

    def num(fid: str) -> Markup:
        f = a.facts[fid]
        return Markup('<a class="fact" data-fact="{}" href="#ev-{}">{}</a>').format(
            fid, fid, show(f, lang)
        )

    def flag_text(flag: dict[str, Any]) -> str:
        figures = {}
        for k, v in flag["figures"].items():
            if k == "amount":
                figures[k] = yuan(v)
            elif k in ("share", "trend", "ratio"):
                figures[k] = f"{v * 100:.1f}%"
            else:
                figures[k] = str(v)
        return t["flag." + flag["code"]].format(**figures)

    story = narrative or {
        "text": template_narrative(a, lang, show),
        "source": "template",
        "note": "",
    }
    industry = INDUSTRIES[a.applicant.industry]
    return _ENV.get_template("due_diligence.html").render(
        a=a,
        t=t,
        lang=lang,
        num=num,
        show=show,
        yuan=yuan,
        ids=_ids,
        flag_text=flag_text,
        report_id=report_id,
        story=story,
        recommendation=t[recommendation(a)],
        industry=industry.zh if lang == "zh" else industry.en,
        chart_monthly=Markup(_bars_svg(a, t)),
        chart_customers=Markup(_customers_svg(a, t)),
        evidence=Markup(_evidence(a)),
        categories=rulebook().categories,
        evidence_facts=[f for f in a.facts.values() if f.rows],
    )


def render_pdf(html: str) -> bytes:
    """The report as PDF: WeasyPrint renders the same HTML offline (the script is ignored)."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as error:  # OSError: Pango missing
        raise ValidationError(
            f"PDF needs WeasyPrint and Pango ({error}); write .html instead or "
            "`pip install 'puhui[pdf]'`",
            field="out",
        ) from None
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
