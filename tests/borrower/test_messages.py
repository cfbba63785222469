"""Reminders and overdue notices written after close of business, reviewed by the rulebook."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from puhui.borrower import Borrower
from puhui.borrower.messages import CobMessages, MessageStore, compose, review
from puhui.compliance import Alert, check
from puhui.money import Money
from puhui.servicing.service import LendingService

from .support import seed_book


@pytest.fixture
def book(database_url: str) -> Iterator[tuple[LendingService, MessageStore]]:
    lending = seed_book(database_url)
    store = MessageStore(database_url)
    lending.after_cob.append(CobMessages(lending, store))
    yield lending, store
    store.close()
    lending.close()


def close_until(lending: LendingService, last: date) -> None:
    while lending.business_date() <= last:
        lending.run_cob(lending.business_date())


def test_the_shipped_texts_pass_the_rules() -> None:
    for kind in ("reminder", "overdue"):
        zh, en = compose(kind, 123456789, Money(123456, "CNY"), date(2026, 2, 1), 4)
        assert review(kind, zh, en) == [], (zh, en)
        assert "1,234.56 CNY" in zh and "6789" in en


def test_cob_writes_a_reminder_then_an_overdue_notice(
    book: tuple[LendingService, MessageStore],
) -> None:
    lending, store = book
    loan = Borrower(lending, "C-ALICE").borrow("L-ALICE", "5000", 5, "m" * 22).loan
    first_due = date.fromordinal(min(i["due_day"] for i in lending.installments(loan.id)))
    close_until(lending, date.fromordinal(first_due.toordinal() - 4))
    assert store.of_customer("C-ALICE") == []  # nothing due within three days yet
    lending.run_cob(lending.business_date())  # closes due - 3
    (reminder,) = store.of_customer("C-ALICE")
    assert reminder.kind == "reminder" and reminder.loan_id == str(loan.id)
    assert first_due.isoformat() in reminder.text_zh and reminder.status == "sent"
    close_until(lending, first_due.replace(day=first_due.day + 5))
    notices = [m for m in store.of_customer("C-ALICE") if m.kind == "overdue"]
    assert len(notices) == 1  # one per missed due date, not one a day
    assert "逾期" in notices[0].text_zh and "overdue" in notices[0].text_en
    assert store.of_customer("C-BOB") == []  # Bob borrowed nothing


def test_a_text_the_rules_flag_is_held_not_shown(
    book: tuple[LendingService, MessageStore],
) -> None:
    lending, store = book
    flagged = check("再不还钱就派人去你家。", channel="app_message")
    assert flagged  # the rulebook catches a threat on this channel

    def strict(kind: str, zh: str, en: str) -> list[Alert]:
        return flagged

    loan = Borrower(lending, "C-ALICE").borrow("L-ALICE", "5000", 5, "h" * 22).loan
    due = date.fromordinal(min(i["due_day"] for i in lending.installments(loan.id)))
    # The hook as COB calls it for the day three days before the due date (reminders need no
    # COB state; the COB path itself is the test above).
    assert CobMessages(lending, store, reviewer=strict)(date.fromordinal(due.toordinal() - 3))
    assert store.of_customer("C-ALICE") == []
    (held,) = store.of_customer("C-ALICE", include_held=True)
    assert held.status == "held" and held.alerts[0]["rule_id"] == flagged[0].rule_id


def test_running_the_hook_again_writes_nothing_twice(
    book: tuple[LendingService, MessageStore],
) -> None:
    lending, store = book
    loan = Borrower(lending, "C-ALICE").borrow("L-ALICE", "5000", 5, "r" * 22).loan
    due = date.fromordinal(min(i["due_day"] for i in lending.installments(loan.id)))
    hook = lending.after_cob[0]
    assert hook(date.fromordinal(due.toordinal() - 3)) == 1
    assert hook(date.fromordinal(due.toordinal() - 3)) == 0
    assert len(store.of_customer("C-ALICE")) == 1
