"""Messages to borrowers made at close of business: repayment reminders and overdue notices.

`CobMessages` is a `LendingService.after_cob` hook. For the business date just closed it
writes a reminder for each active loan's installment falling due within `REMIND_DAYS`, and
an overdue notice for each loan past due (one per loan and oldest missed due date). Every
text, in Chinese and English, goes through the compliance rules (`compliance.check` on the
`app_message` channel, purpose "service" for reminders and "collection" for notices) before
it is shown: a text with an alert is kept with its alerts and status `held`, never shown.
A message's id is its kind, loan and due date, so running the hook again (a COB re-run, a
retry) writes nothing twice.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from puhui.compliance import Alert, Context, check
from puhui.db import Database
from puhui.money import Money
from puhui.servicing.loans import LoanRow
from puhui.servicing.service import LendingService

REMIND_DAYS = 3

SCHEMA = """
CREATE TABLE IF NOT EXISTS borrower_messages (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    loan_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    business_date TEXT NOT NULL,
    text_zh TEXT NOT NULL,
    text_en TEXT NOT NULL,
    status TEXT NOT NULL,
    alerts TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS borrower_messages_customer
    ON borrower_messages (customer_id, business_date)
"""

#: kind -> (Chinese, English) templates; {amount} {due} {days} {loan}
TEMPLATES: dict[str, tuple[str, str]] = {
    "reminder": (
        "温馨提示：您的借款（编号尾号{loan}）将于{due}到期应还{amount}。"
        "您可以在“我的借款”中随时还款，提前还款按实际天数计息。",
        "A reminder: {amount} is due on {due} on your loan ending {loan}. You can repay any "
        "time under My loans; repaying early, you pay interest only for the days you borrowed.",
    ),
    "overdue": (
        "您的借款（编号尾号{loan}）已逾期{days}天，逾期金额{amount}。"
        "逾期会产生罚息并可能影响您的征信记录，建议您尽快还款。如有困难，请联系我们协商还款安排。",
        "Your loan ending {loan} is {days} days overdue; {amount} is past due. Late payment "
        "adds penalty interest and may be reported to the credit bureau, so please repay soon. "
        "If you are in difficulty, contact us to agree a repayment plan.",
    ),
}
PURPOSE = {"reminder": "service", "overdue": "collection"}


@dataclass(frozen=True, slots=True)
class Message:
    id: str
    customer_id: str
    loan_id: str
    kind: str
    business_date: str
    text_zh: str
    text_en: str
    status: str  # sent | held
    alerts: list[dict[str, Any]]
    created_at: str

    def text(self, lang: str) -> str:
        return self.text_zh if lang == "zh" else self.text_en


def compose(kind: str, loan_id: int, amount: Money, due: date, days: int = 0) -> tuple[str, str]:
    """The message's Chinese and English text."""
    zh, en = TEMPLATES[kind]
    fields = {
        "loan": str(loan_id)[-4:],
        "amount": f"{amount.amount:,} {amount.currency}",
        "due": due.isoformat(),
        "days": days,
    }
    return zh.format(**fields), en.format(**fields)


def review(kind: str, zh: str, en: str) -> list[Alert]:
    """The compliance alerts of a message on the app-message channel.

    The template's fixed words go through the whole engine (patterns and the classifier)
    once per process; each rendered text, whose only variable parts are a loan number, an
    amount, a date and a day count, goes through the patterns (a classifier pass costs about
    a second, a pattern pass under a millisecond)."""
    context = Context(purpose=PURPOSE[kind])
    rendered = [
        *check(zh, channel="app_message", context=context, classifier=False),
        *check(en, channel="app_message", context=context, classifier=False),
    ]
    return [*_template_alerts(kind), *rendered]


@functools.cache
def _template_alerts(kind: str) -> tuple[Alert, ...]:
    zh, en = compose(kind, 1234, Money(123456, "CNY"), date(2026, 1, 31), 3)
    context = Context(purpose=PURPOSE[kind])
    found = check(zh, channel="app_message", context=context)
    return (*found, *check(en, channel="app_message", context=context))


class MessageStore:
    """Borrower messages in the platform database."""

    def __init__(self, url: str) -> None:
        self.db = Database(url)
        self.db.create_tables(SCHEMA, 7345320)

    def known(self, ids: list[str]) -> set[str]:
        """Which of these message ids are stored already."""
        found: set[str] = set()
        with self.db.read():
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ", ".join("?" * len(chunk))
                found.update(
                    str(r[0])
                    for r in self.db.all(
                        f"SELECT id FROM borrower_messages WHERE id IN ({marks})", chunk
                    )
                )
        return found

    def add(self, messages: list[Message]) -> int:
        """Insert the messages not yet stored; returns how many were new."""
        if not messages:
            return 0
        with self.db.tx():
            seen = self.known([m.id for m in messages])
            rows = []
            for m in messages:
                if m.id in seen:
                    continue
                seen.add(m.id)
                rows.append(
                    (
                        m.id,
                        m.customer_id,
                        m.loan_id,
                        m.kind,
                        m.business_date,
                        m.text_zh,
                        m.text_en,
                        m.status,
                        json.dumps(m.alerts, ensure_ascii=False),
                        m.created_at,
                    )
                )
            self.db.many(
                "INSERT INTO borrower_messages (id, customer_id, loan_id, kind, business_date,"
                " text_zh, text_en, status, alerts, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        return len(rows)

    def of_customer(self, customer_id: str, *, include_held: bool = False) -> list[Message]:
        """The customer's messages, newest first (held ones only when asked)."""
        sql = (
            "SELECT id, customer_id, loan_id, kind, business_date, text_zh, text_en, status,"
            " alerts, created_at FROM borrower_messages WHERE customer_id = ?"
        )
        if not include_held:
            sql += " AND status = 'sent'"
        with self.db.read():
            rows = self.db.all(sql + " ORDER BY business_date DESC, id", (customer_id,))
        return [
            Message(
                id=str(r[0]),
                customer_id=str(r[1]),
                loan_id=str(r[2]),
                kind=str(r[3]),
                business_date=str(r[4]),
                text_zh=str(r[5]),
                text_en=str(r[6]),
                status=str(r[7]),
                alerts=json.loads(r[8]),
                created_at=str(r[9]),
            )
            for r in rows
        ]

    def close(self) -> None:
        self.db.close()


def past_due_of(lending: LendingService, loan: LoanRow, closed: date) -> int:
    """Minor units billed on installments due by `closed` and not paid, plus penalties."""
    owed = loan.penalty_unpaid
    for i in lending.installments(loan.id):
        if i["billed"] and i["due_day"] <= closed.toordinal():
            owed += i["principal_billed"] - i["principal_paid"]
            owed += i["interest_billed"] - i["interest_paid"]
            owed += i["fee_billed"] - i["fee_paid"]
    return owed


class CobMessages:
    """The after-COB hook: reminders and overdue notices for the day just closed."""

    def __init__(
        self,
        lending: LendingService,
        store: MessageStore,
        reviewer: Callable[[str, str, str], list[Alert]] = review,
    ) -> None:
        self.lending = lending
        self.store = store
        self.reviewer = reviewer
        self._reviewed: dict[tuple[str, str, str], list[Alert]] = {}

    def __call__(self, closed: date) -> int:
        messages = self.reminders(closed) + self.notices(closed)
        return self.store.add(messages)

    def _message(
        self,
        kind: str,
        customer: str,
        loan_id: int,
        amount: Money,
        due: date,
        closed: date,
        days: int = 0,
    ) -> Message:
        zh, en = compose(kind, loan_id, amount, due, days)
        key = (kind, zh, en)
        alerts = self._reviewed.get(key)
        if alerts is None:
            alerts = self.reviewer(kind, zh, en)
            if len(self._reviewed) > 10_000:
                self._reviewed.clear()
            self._reviewed[key] = alerts
        return Message(
            id=f"{kind}:{loan_id}:{due.isoformat()}",
            customer_id=customer,
            loan_id=str(loan_id),
            kind=kind,
            business_date=closed.isoformat(),
            text_zh=zh,
            text_en=en,
            status="held" if alerts else "sent",
            alerts=[a.to_dict() for a in alerts],
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )

    def _customers(self, line_ids: set[str]) -> dict[str, tuple[str, str]]:
        out = {}
        for line_id in line_ids:
            line = self.lending.line(line_id)
            out[line_id] = (line.customer_id, line.currency)
        return out

    def reminders(self, closed: date) -> list[Message]:
        due = [
            (day, row)
            for k in range(1, REMIND_DAYS + 1)
            for day in [closed + timedelta(days=k)]
            for row in self.lending.installments_due(day)
            if row[2] > 0
        ]
        known = self.store.known([f"reminder:{row[0]}:{day.isoformat()}" for day, row in due])
        due = [(d, r) for d, r in due if f"reminder:{r[0]}:{d.isoformat()}" not in known]
        owners = self._customers({row[3] for _, row in due})
        out = []
        for day, (loan_id, _n, unpaid, line_id) in due:
            customer, currency = owners[line_id]
            amount = Money(unpaid, currency)
            out.append(self._message("reminder", customer, loan_id, amount, day, closed))
        return out

    def notices(self, closed: date) -> list[Message]:
        def key(loan: LoanRow) -> str:
            return f"overdue:{loan.id}:{date.fromordinal(loan.oldest_due_day or 0).isoformat()}"

        loans = [loan for loan in self.lending.overdue_loans() if loan.oldest_due_day]
        known = self.store.known([key(loan) for loan in loans])
        loans = [loan for loan in loans if key(loan) not in known]
        owners = self._customers({loan.line_id for loan in loans})
        out = []
        for loan in loans:
            customer, currency = owners[loan.line_id]
            past_due = Money(past_due_of(self.lending, loan, closed), currency)
            out.append(
                self._message(
                    "overdue",
                    customer,
                    loan.id,
                    past_due,
                    date.fromordinal(loan.oldest_due_day or 0),
                    closed,
                    loan.dpd,
                )
            )
        return out
