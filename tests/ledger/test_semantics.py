"""Ledger semantics, checked against TigerBeetle's reference (docs/reference/requests/
create_accounts.md, create_transfers.md, transfer.md) on both backends."""

from __future__ import annotations

import pytest

from puhui.errors import ValidationError
from puhui.ledger import (
    Account,
    AccountFlags,
    CreateAccountResult,
    CreateTransferResult,
    Ledger,
    LedgerInputError,
    Transfer,
    TransferFlags,
    open_ledger,
)
from puhui.ledger.types import U128_MAX

from .conftest import ManualClock

A = CreateAccountResult
R = CreateTransferResult
F = TransferFlags


def acct(id: int, flags: int = 0, ledger: int = 1, code: int = 10, **kw: int) -> Account:
    return Account(id=id, ledger=ledger, code=code, flags=flags, **kw)


def xfer(id: int, dr: int = 1, cr: int = 2, amount: int = 100, **kw: int) -> Transfer:
    kw.setdefault("ledger", 1)
    kw.setdefault("code", 1)
    return Transfer(id=id, debit_account_id=dr, credit_account_id=cr, amount=amount, **kw)


def balances(ledger: Ledger, *ids: int) -> list[tuple[int, int, int, int]]:
    return [
        (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted)
        for a in ledger.lookup_accounts(list(ids))
    ]


@pytest.fixture
def two(ledger: Ledger) -> Ledger:
    assert ledger.create_accounts([acct(1), acct(2)]) == []
    return ledger


def assert_balanced(ledger: Ledger) -> None:
    for totals in ledger.trial_balance():
        assert totals.balanced, totals


# -- accounts ----------------------------------------------------------------------------


def test_create_accounts_results_in_precedence_order(ledger: Ledger) -> None:
    results = ledger.create_accounts(
        [
            acct(1),
            acct(0),
            acct(U128_MAX),
            acct(3, ledger=0),
            acct(4, code=0),
            acct(
                5,
                flags=AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
                | AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS,
            ),
            acct(6, debits_posted=1),
            acct(7, timestamp=5),
            acct(8, flags=1 << 9),
            acct(1),
            acct(1, code=11),
            acct(1, ledger=2),
            acct(1, user_data_64=9),
            acct(1, flags=AccountFlags.HISTORY),
        ]
    )
    assert results == [
        (1, A.ID_MUST_NOT_BE_ZERO),
        (2, A.ID_MUST_NOT_BE_INT_MAX),
        (3, A.LEDGER_MUST_NOT_BE_ZERO),
        (4, A.CODE_MUST_NOT_BE_ZERO),
        (5, A.FLAGS_ARE_MUTUALLY_EXCLUSIVE),
        (6, A.DEBITS_POSTED_MUST_BE_ZERO),
        (7, A.TIMESTAMP_MUST_BE_ZERO),
        (8, A.RESERVED_FLAG),
        (9, A.EXISTS),
        (10, A.EXISTS_WITH_DIFFERENT_CODE),
        (11, A.EXISTS_WITH_DIFFERENT_LEDGER),
        (12, A.EXISTS_WITH_DIFFERENT_USER_DATA_64),
        (13, A.EXISTS_WITH_DIFFERENT_FLAGS),
    ]
    assert [a.id for a in ledger.lookup_accounts([1, 3, 6])] == [1]


def test_linked_accounts_all_or_nothing(ledger: Ledger) -> None:
    linked = AccountFlags.LINKED
    results = ledger.create_accounts([acct(1, linked), acct(2, linked), acct(0), acct(3)])
    assert results == [
        (0, A.LINKED_EVENT_FAILED),
        (1, A.LINKED_EVENT_FAILED),
        (2, A.ID_MUST_NOT_BE_ZERO),
    ]
    assert [a.id for a in ledger.lookup_accounts([1, 2, 3])] == [3]
    results = ledger.create_accounts([acct(4), acct(5, linked)])
    assert results == [(1, A.LINKED_EVENT_CHAIN_OPEN)]


def test_account_timestamps_are_unique_and_increasing(ledger: Ledger) -> None:
    ledger.create_accounts([acct(i) for i in range(1, 6)])
    stamps = [a.timestamp for a in ledger.lookup_accounts([1, 2, 3, 4, 5])]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == 5


# -- transfers ---------------------------------------------------------------------------


def test_posted_transfer_moves_both_sides(two: Ledger) -> None:
    assert two.create_transfers([xfer(10, amount=250)]) == []
    assert balances(two, 1, 2) == [(0, 250, 0, 0), (0, 0, 0, 250)]
    (t,) = two.lookup_transfers([10])
    assert t.amount == 250 and t.timestamp > 0
    assert_balanced(two)


def test_transfer_validation_results(two: Ledger) -> None:
    two.create_accounts([acct(3, ledger=2)])
    results = two.create_transfers(
        [
            xfer(0),
            xfer(U128_MAX),
            xfer(11, dr=0),
            xfer(12, cr=U128_MAX),
            xfer(13, dr=1, cr=1),
            xfer(14, pending_id=5),
            xfer(15, timeout=5),
            xfer(16, amount=0),
            xfer(17, ledger=0),
            xfer(18, code=0),
            xfer(19, dr=99),
            xfer(20, cr=99),
            xfer(21, cr=3),
            xfer(22, ledger=2),
            xfer(23, flags=F.PENDING | F.POST_PENDING_TRANSFER, pending_id=1),
            xfer(24, flags=1 << 12),
            xfer(25, timestamp=1),
        ]
    )
    assert results == [
        (0, R.ID_MUST_NOT_BE_ZERO),
        (1, R.ID_MUST_NOT_BE_INT_MAX),
        (2, R.DEBIT_ACCOUNT_ID_MUST_NOT_BE_ZERO),
        (3, R.CREDIT_ACCOUNT_ID_MUST_NOT_BE_INT_MAX),
        (4, R.ACCOUNTS_MUST_BE_DIFFERENT),
        (5, R.PENDING_ID_MUST_BE_ZERO),
        (6, R.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER),
        (7, R.AMOUNT_MUST_NOT_BE_ZERO),
        (8, R.LEDGER_MUST_NOT_BE_ZERO),
        (9, R.CODE_MUST_NOT_BE_ZERO),
        (10, R.DEBIT_ACCOUNT_NOT_FOUND),
        (11, R.CREDIT_ACCOUNT_NOT_FOUND),
        (12, R.ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER),
        (13, R.TRANSFER_MUST_HAVE_THE_SAME_LEDGER_AS_ACCOUNTS),
        (14, R.FLAGS_ARE_MUTUALLY_EXCLUSIVE),
        (15, R.RESERVED_FLAG),
        (16, R.TIMESTAMP_MUST_BE_ZERO),
    ]
    assert balances(two, 1, 2) == [(0, 0, 0, 0), (0, 0, 0, 0)]
    assert two.get_account_transfers(1) == []


def test_idempotency_exists_and_exists_with_different(two: Ledger) -> None:
    t = xfer(10, amount=100, user_data_64=7)
    assert two.create_transfers([t]) == []
    results = two.create_transfers(
        [
            t,
            xfer(10, amount=101, user_data_64=7),
            xfer(10, amount=100, user_data_64=8),
            xfer(10, dr=2, cr=1, amount=100, user_data_64=7),
            xfer(10, amount=100, user_data_64=7, code=2),
            xfer(10, amount=100, user_data_64=7, flags=F.PENDING),
        ]
    )
    assert results == [
        (0, R.EXISTS),
        (1, R.EXISTS_WITH_DIFFERENT_AMOUNT),
        (2, R.EXISTS_WITH_DIFFERENT_USER_DATA_64),
        (3, R.EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT_ID),
        (4, R.EXISTS_WITH_DIFFERENT_CODE),
        (5, R.EXISTS_WITH_DIFFERENT_FLAGS),
    ]
    assert balances(two, 1) == [(0, 100, 0, 0)]


def test_same_id_twice_in_one_batch_applies_once(two: Ledger) -> None:
    assert two.create_transfers([xfer(10), xfer(10)]) == [(1, R.EXISTS)]
    assert balances(two, 1) == [(0, 100, 0, 0)]


def test_balance_limits(ledger: Ledger) -> None:
    ledger.create_accounts(
        [
            acct(1, AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS),
            acct(2, AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS),
            acct(3),
        ]
    )
    assert ledger.create_transfers([xfer(10, dr=1, cr=3)]) == [(0, R.EXCEEDS_CREDITS)]
    assert ledger.create_transfers([xfer(11, dr=3, cr=2)]) == [(0, R.EXCEEDS_DEBITS)]
    assert ledger.create_transfers([xfer(12, dr=3, cr=1, amount=100)]) == []
    assert ledger.create_transfers([xfer(13, dr=1, cr=3, amount=60)]) == []
    # pending debits count against the limit too
    assert ledger.create_transfers([xfer(14, dr=1, cr=3, amount=30, flags=F.PENDING)]) == []
    assert ledger.create_transfers([xfer(15, dr=1, cr=3, amount=20)]) == [(0, R.EXCEEDS_CREDITS)]
    assert ledger.create_transfers([xfer(16, dr=1, cr=3, amount=10)]) == []
    assert balances(ledger, 1) == [(30, 70, 0, 100)]


def test_linked_transfers_all_or_nothing(two: Ledger) -> None:
    two.create_accounts([acct(3, AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)])
    results = two.create_transfers(
        [
            xfer(10, dr=1, cr=3, amount=50, flags=F.LINKED),  # funds account 3
            xfer(11, dr=3, cr=2, amount=50, flags=F.LINKED),  # uses the funds
            xfer(12, dr=3, cr=2, amount=1),  # fails: exceeds credits -> whole chain fails
            xfer(13, amount=5),
        ]
    )
    assert results == [
        (0, R.LINKED_EVENT_FAILED),
        (1, R.LINKED_EVENT_FAILED),
        (2, R.EXCEEDS_CREDITS),
    ]
    assert two.lookup_transfers([10, 11, 12]) == []
    assert balances(two, 1, 2, 3) == [(0, 5, 0, 0), (0, 0, 0, 5), (0, 0, 0, 0)]
    # a chain that succeeds sees its own earlier effects
    assert (
        two.create_transfers(
            [xfer(20, dr=1, cr=3, amount=50, flags=F.LINKED), xfer(21, dr=3, cr=2, amount=50)]
        )
        == []
    )
    assert balances(two, 3) == [(0, 50, 0, 50)]
    assert two.create_transfers([xfer(30), xfer(31, flags=F.LINKED), xfer(32, flags=F.LINKED)]) == [
        (1, R.LINKED_EVENT_FAILED),
        (2, R.LINKED_EVENT_CHAIN_OPEN),
    ]
    assert [t.id for t in two.lookup_transfers([30, 31, 32])] == [30]
    assert_balanced(two)


def test_pending_post_partial_and_void(two: Ledger) -> None:
    assert two.create_transfers([xfer(10, amount=100, flags=F.PENDING)]) == []
    assert balances(two, 1, 2) == [(100, 0, 0, 0), (0, 0, 100, 0)]
    results = two.create_transfers(
        [
            Transfer(id=11, pending_id=10, amount=101, flags=F.POST_PENDING_TRANSFER),
            Transfer(id=12, pending_id=10, amount=60, flags=F.POST_PENDING_TRANSFER),
            Transfer(id=13, pending_id=10, flags=F.VOID_PENDING_TRANSFER),
            Transfer(id=14, pending_id=10, flags=F.POST_PENDING_TRANSFER),
        ]
    )
    assert results == [
        (0, R.EXCEEDS_PENDING_TRANSFER_AMOUNT),
        (2, R.PENDING_TRANSFER_ALREADY_POSTED),
        (3, R.PENDING_TRANSFER_ALREADY_POSTED),
    ]
    assert balances(two, 1, 2) == [(0, 60, 0, 0), (0, 0, 0, 60)]
    (post,) = two.lookup_transfers([12])
    assert (post.debit_account_id, post.credit_account_id, post.amount) == (1, 2, 60)

    assert two.create_transfers([xfer(20, amount=40, flags=F.PENDING)]) == []
    results = two.create_transfers(
        [
            Transfer(id=21, pending_id=20, amount=39, flags=F.VOID_PENDING_TRANSFER),
            Transfer(id=22, pending_id=20, flags=F.VOID_PENDING_TRANSFER),
            Transfer(id=23, pending_id=20, flags=F.POST_PENDING_TRANSFER),
            Transfer(id=24, pending_id=12, flags=F.POST_PENDING_TRANSFER),
            Transfer(id=25, pending_id=999, flags=F.POST_PENDING_TRANSFER),
            Transfer(id=26, pending_id=0, flags=F.POST_PENDING_TRANSFER),
            Transfer(id=27, pending_id=27, flags=F.POST_PENDING_TRANSFER),
            Transfer(id=28, pending_id=20, debit_account_id=2, flags=F.VOID_PENDING_TRANSFER),
        ]
    )
    assert results == [
        (0, R.PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT),
        (2, R.PENDING_TRANSFER_ALREADY_VOIDED),
        (3, R.PENDING_TRANSFER_NOT_PENDING),
        (4, R.PENDING_TRANSFER_NOT_FOUND),
        (5, R.PENDING_ID_MUST_NOT_BE_ZERO),
        (6, R.PENDING_ID_MUST_BE_DIFFERENT),
        (7, R.PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT_ID),
    ]
    assert balances(two, 1, 2) == [(0, 60, 0, 0), (0, 0, 0, 60)]
    # resubmitting the same post is `exists`, not a second posting
    assert two.create_transfers(
        [Transfer(id=12, pending_id=10, amount=60, flags=F.POST_PENDING_TRANSFER)]
    ) == [(0, R.EXISTS)]
    assert_balanced(two)


def test_pending_in_same_batch_then_posted(two: Ledger) -> None:
    results = two.create_transfers(
        [
            xfer(10, amount=70, flags=F.PENDING),
            Transfer(id=11, pending_id=10, flags=F.POST_PENDING_TRANSFER),
        ]
    )
    assert results == []
    assert balances(two, 1) == [(0, 70, 0, 0)]


def test_pending_transfer_expires_after_timeout(two: Ledger, clock: ManualClock) -> None:
    assert two.create_transfers([xfer(10, amount=100, flags=F.PENDING, timeout=60)]) == []
    clock.advance(59)
    assert balances(two, 1) == [(100, 0, 0, 0)]
    clock.advance(2)
    results = two.create_transfers([Transfer(id=11, pending_id=10, flags=F.POST_PENDING_TRANSFER)])
    assert results == [(0, R.PENDING_TRANSFER_EXPIRED)]
    assert balances(two, 1, 2) == [(0, 0, 0, 0), (0, 0, 0, 0)]
    assert_balanced(two)


def test_expire_pending_releases_without_a_transfer_batch(two: Ledger, clock: ManualClock) -> None:
    two.create_transfers([xfer(10, amount=5, flags=F.PENDING, timeout=1)])
    clock.advance(2)
    assert two.expire_pending() == 1
    assert two.expire_pending() == 0
    assert balances(two, 2) == [(0, 0, 0, 0)]


def test_balancing_debit_takes_what_is_available(ledger: Ledger) -> None:
    ledger.create_accounts([acct(1, AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS), acct(2)])
    ledger.create_transfers([xfer(10, dr=2, cr=1, amount=75)])
    assert (
        ledger.create_transfers([xfer(11, dr=1, cr=2, amount=1000, flags=F.BALANCING_DEBIT)]) == []
    )
    (t,) = ledger.lookup_transfers([11])
    assert t.amount == 75
    assert ledger.create_transfers([xfer(12, dr=1, cr=2, amount=10, flags=F.BALANCING_DEBIT)]) == [
        (0, R.EXCEEDS_CREDITS)
    ]
    # resubmitting a balancing transfer with a larger cap is `exists`
    assert ledger.create_transfers(
        [xfer(11, dr=1, cr=2, amount=1000, flags=F.BALANCING_DEBIT)]
    ) == [(0, R.EXISTS)]


def test_closing_transfer_closes_and_void_reopens(two: Ledger) -> None:
    assert two.create_transfers([xfer(10, amount=1, flags=F.PENDING | F.CLOSING_DEBIT)]) == []
    assert two.lookup_accounts([1])[0].flags & AccountFlags.CLOSED
    assert two.create_transfers([xfer(11)]) == [(0, R.DEBIT_ACCOUNT_ALREADY_CLOSED)]
    assert (
        two.create_transfers([Transfer(id=12, pending_id=10, flags=F.VOID_PENDING_TRANSFER)]) == []
    )
    assert not two.lookup_accounts([1])[0].flags & AccountFlags.CLOSED
    assert two.create_transfers([xfer(13)]) == []


def test_history_and_account_transfers(ledger: Ledger) -> None:
    ledger.create_accounts([acct(1, AccountFlags.HISTORY), acct(2)])
    ledger.create_transfers([xfer(10 + i, amount=i + 1) for i in range(5)])
    ledger.create_transfers([xfer(20, dr=2, cr=1, amount=100)])
    history = ledger.get_account_balances(1)
    assert [h.debits_posted for h in history] == [1, 3, 6, 10, 15, 15]
    assert history[-1].credits_posted == 100
    assert ledger.get_account_balances(2) == []  # no history flag
    ts = [t.id for t in ledger.get_account_transfers(1)]
    assert ts == [10, 11, 12, 13, 14, 20]
    assert [t.id for t in ledger.get_account_transfers(1, credits=False)] == [10, 11, 12, 13, 14]
    assert [t.id for t in ledger.get_account_transfers(1, debits=False)] == [20]
    assert [t.id for t in ledger.get_account_transfers(1, reversed=True, limit=2)] == [20, 14]
    (t12,) = ledger.lookup_transfers([12])
    window = ledger.get_account_transfers(1, timestamp_min=t12.timestamp)
    assert [t.id for t in window] == [12, 13, 14, 20]


def test_overflow_results_for_128_bit_amounts(two: Ledger) -> None:
    assert two.create_transfers([xfer(10, amount=U128_MAX)]) == []
    assert two.create_transfers([xfer(11, amount=1)]) == [(0, R.OVERFLOWS_DEBITS_POSTED)]
    assert balances(two, 1) == [(0, U128_MAX, 0, 0)]


# -- bad input: a clear error naming the field, nothing written --------------------------


@pytest.mark.parametrize(
    ("event", "field"),
    [
        (
            Transfer(id=10, debit_account_id=1, credit_account_id=2, amount=-5, ledger=1, code=1),
            "transfers[1].amount",
        ),
        (
            Transfer(
                id=10, debit_account_id=1, credit_account_id=2, amount=1 << 128, ledger=1, code=1
            ),
            "transfers[1].amount",
        ),
        (
            Transfer(id=-1, debit_account_id=1, credit_account_id=2, amount=1, ledger=1, code=1),
            "transfers[1].id",
        ),
        (
            Transfer(
                id=10, debit_account_id=1, credit_account_id=2, amount=1, ledger=1, code=1 << 16
            ),
            "transfers[1].code",
        ),
        (
            Transfer(id=10, debit_account_id=1, credit_account_id=2, amount="5", ledger=1, code=1),  # type: ignore[arg-type]
            "transfers[1].amount",
        ),
    ],
)
def test_malformed_transfer_is_an_error_and_writes_nothing(
    two: Ledger, event: Transfer, field: str
) -> None:
    with pytest.raises(LedgerInputError) as err:
        two.create_transfers([xfer(9, amount=1), event])
    assert err.value.field == field
    assert field.split(".")[-1] in str(err.value)
    assert two.lookup_transfers([9]) == []
    assert balances(two, 1) == [(0, 0, 0, 0)]


def test_oversized_batch_is_refused(two: Ledger) -> None:
    with pytest.raises(LedgerInputError) as err:
        two.create_transfers([xfer(i + 1) for i in range(8191)])
    assert err.value.field == "transfers"


def test_malformed_account_is_refused(ledger: Ledger) -> None:
    with pytest.raises(LedgerInputError) as err:
        ledger.create_accounts([acct(1), Account(id=1 << 128, ledger=1, code=1)])
    assert err.value.field == "accounts[1].id"
    assert ledger.lookup_accounts([1]) == []


@pytest.mark.parametrize(
    "url",
    ["", "mysql://x", "sqlite:/relative.db", "sqlite://", "postgres ql://x", "sqlite:///dir/"],
)
def test_malformed_urls_are_refused(url: str) -> None:
    with pytest.raises(ValidationError) as err:
        open_ledger(url)
    assert err.value.field == "url"


def test_reopen_keeps_everything(sqlite_url: str) -> None:
    with open_ledger(sqlite_url) as first:
        first.create_accounts([acct(1), acct(2)])
        first.create_transfers([xfer(10, amount=42)])
    with open_ledger(sqlite_url) as again:
        assert balances(again, 1) == [(0, 42, 0, 0)]
        assert again.create_transfers([xfer(10, amount=42)]) == [(0, R.EXISTS)]
