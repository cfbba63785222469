"""Demo calls for `make run`: a few scripted conversations run through the live path, so the
QA supervisor's page is never empty. Agents are demo identities (no API key behind them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from puhui.assist.customer import customer_card
from puhui.assist.service import Agent, AssistService
from puhui.assist.session import Speaker, Turn
from puhui.servicing.service import LendingService

DEMO_AGENTS = (
    Agent("demo-agent-1", "演示坐席 Demo agent 1"),
    Agent("demo-agent-2", "演示坐席 Demo agent 2"),
)

#: (agent, purpose, lang, local time, needs an overdue customer, turns)
CALLS: Sequence[tuple[int, str, str, str, bool, Sequence[tuple[str, str]]]] = (
    (
        0,
        "marketing",
        "zh",
        "10:15",
        False,
        (
            (
                "agent",
                "您好，我是普惠银行的客服，工号1024。今天来电想介绍您名下的信贷服务，方便吗？",
            ),
            ("customer", "你说吧。"),
            ("agent", "为了保护您的信息，请先告诉我您身份证号的后四位。"),
            ("customer", "3721。"),
            ("agent", "感谢核实。您有一笔预授信额度，年化利率18.25%，按日计息，随借随还。"),
            ("customer", "利息是怎么算的？"),
            ("agent", "按实际用款天数计息，提前还款不收违约金。"),
            ("customer", "好的，我考虑一下。"),
            ("agent", "好的，您可以考虑清楚再决定，感谢您的时间。"),
        ),
    ),
    (
        1,
        "marketing",
        "zh",
        "14:30",
        False,
        (
            ("agent", "您好，普惠银行的，给您推荐个借款产品。"),
            ("customer", "利息高不高？"),
            ("agent", "利息很低的，一天才几块钱，比银行便宜多了。"),
            ("customer", "我征信不太好，能借吗？"),
            ("agent", "放心，我们保证您百分之百能通过。"),
            ("customer", "我再想想。"),
            ("agent", "名额有限，今天不办明天就没了。"),
        ),
    ),
    (
        1,
        "collection",
        "zh",
        "19:40",
        True,
        (
            ("agent", "喂，你欠的钱什么时候还？你已经逾期了。"),
            ("customer", "他不在家，我是他老婆。"),
            ("agent", "那你告诉他，欠款金额是三千二，再不还我们就通知他单位。"),
            ("customer", "你们怎么能这样说话？"),
            ("agent", "不还钱就派人上门。"),
        ),
    ),
    (
        0,
        "collection",
        "en",
        "11:05",
        True,
        (
            ("agent", "Hello, this is Puhui Bank. Am I speaking with the account holder?"),
            ("customer", "Yes, speaking. What is this about?"),
            (
                "agent",
                "To protect your information, please tell me the last four digits of your ID.",
            ),
            ("customer", "It's 4418."),
            ("agent", "Thank you. Your loan is past due; please repay in the app today."),
            ("customer", "I lost my job last month, I can't pay right now."),
            (
                "agent",
                "I understand. We can apply to adjust your repayment plan; what could you manage?",
            ),
            ("customer", "Maybe five hundred a month."),
            ("agent", "Alright, I'll submit that plan and we will text you the details."),
        ),
    ),
)


def _customers(lending: LendingService) -> tuple[str | None, str | None]:
    """A customer with an active line, and one with a loan past due (either may be None)."""
    db = lending.db
    with db.read():
        if not db.table_exists("lending_lines"):
            return None, None
        line = db.one("SELECT customer_id FROM lending_lines WHERE status = 'active' ORDER BY id")
        late = db.one(
            "SELECT c.customer_id FROM lending_loans l JOIN lending_lines c ON c.id = l.line_id "
            "WHERE l.dpd > 0 AND l.status = 'active' ORDER BY l.dpd DESC, l.id"
        )
    return (line[0] if line else None), (late[0] if late else None)


def seed_demo_calls(url: str, lending: LendingService) -> int:
    """Run the demo calls through the live path and store them; the number stored."""
    with_line, overdue = _customers(lending)
    service = AssistService(url, lambda cid: customer_card(lending, cid))
    stored = 0
    try:
        start = datetime.now(UTC) - timedelta(hours=len(CALLS))
        for n, (agent, purpose, lang, local, needs_overdue, turns) in enumerate(CALLS):
            customer = (overdue or with_line) if needs_overdue else with_line
            if customer is None:
                continue
            live = service.start_call(
                DEMO_AGENTS[agent], customer, purpose=purpose, lang=lang, local_time=local,
                demo=True, started_at=start + timedelta(hours=n),
            )  # fmt: skip
            for speaker, text in turns:
                service.turn(live.id, Turn(Speaker(speaker), text))
            service.end_call(live.id)
            stored += 1
    finally:
        service.close()
    return stored
