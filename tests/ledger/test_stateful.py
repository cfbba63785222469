"""Hypothesis stateful test: the ledger against a small in-memory oracle, on both backends.

The oracle is written independently of `puhui.ledger.engine`: it processes events one at a
time, snapshots its whole state at the start of a linked chain and restores the snapshot when
the chain fails. Random accounts, transfers (posted, pending, post, void, balancing), linked
chains, duplicate ids and clock jumps past timeouts; after every step the results, every
balance and the trial balance must agree, and no balance may break its account's flags.
"""

from __future__ import annotations

import copy
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from puhui.ledger import (
    Account,
    AccountFlags,
    CreateTransferResult,
    Ledger,
    Transfer,
    TransferFlags,
    open_ledger,
)

R = CreateTransferResult
F = TransferFlags
DR_LIMIT = int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
CR_LIMIT = int(AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS)
NS = 10**9


@dataclass
class OAccount:
    ledger: int
    flags: int
    dp: int = 0
    dpo: int = 0
    cp: int = 0
    cpo: int = 0


@dataclass
class OTransfer:
    dr: int
    cr: int
    amount: int
    flags: int
    pending_id: int
    timeout: int
    ledger: int
    code: int
    created_clock: int


@dataclass
class Oracle:
    accounts: dict[int, OAccount] = field(default_factory=dict)
    transfers: dict[int, OTransfer] = field(default_factory=dict)
    status: dict[int, str] = field(default_factory=dict)  # pending id -> state

    def expire(self, clock: int) -> None:
        for tid, state in self.status.items():
            p = self.transfers[tid]
            if state == "pending" and p.timeout and clock >= p.created_clock + p.timeout * NS:
                self.status[tid] = "expired"
                self.accounts[p.dr].dp -= p.amount
                self.accounts[p.cr].cp -= p.amount

    def create(self, t: Transfer, clock: int) -> R:
        kind = t.flags & (F.POST_PENDING_TRANSFER | F.VOID_PENDING_TRANSFER)
        if kind:
            if t.flags & (F.PENDING | F.BALANCING_DEBIT) or kind == (
                F.POST_PENDING_TRANSFER | F.VOID_PENDING_TRANSFER
            ):
                return R.FLAGS_ARE_MUTUALLY_EXCLUSIVE
            if t.pending_id == 0:
                return R.PENDING_ID_MUST_NOT_BE_ZERO
            if t.pending_id == t.id:
                return R.PENDING_ID_MUST_BE_DIFFERENT
            if t.timeout:
                return R.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER
            p = self.transfers.get(t.pending_id)
            if p is None:
                return R.PENDING_TRANSFER_NOT_FOUND
            if not p.flags & F.PENDING:
                return R.PENDING_TRANSFER_NOT_PENDING
            amount = t.amount or p.amount
            if amount > p.amount:
                return R.EXCEEDS_PENDING_TRANSFER_AMOUNT
            if kind == F.VOID_PENDING_TRANSFER and amount < p.amount:
                return R.PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT
            if t.id in self.transfers:
                e = self.transfers[t.id]
                if (e.flags | F.LINKED) != (t.flags | F.LINKED):
                    return R.EXISTS_WITH_DIFFERENT_FLAGS
                if e.amount != amount:
                    return R.EXISTS_WITH_DIFFERENT_AMOUNT
                if e.pending_id != t.pending_id:
                    return R.EXISTS_WITH_DIFFERENT_PENDING_ID
                return R.EXISTS
            state = self.status[t.pending_id]
            if state != "pending":
                return {
                    "posted": R.PENDING_TRANSFER_ALREADY_POSTED,
                    "voided": R.PENDING_TRANSFER_ALREADY_VOIDED,
                    "expired": R.PENDING_TRANSFER_EXPIRED,
                }[state]
            self.accounts[p.dr].dp -= p.amount
            self.accounts[p.cr].cp -= p.amount
            if kind == F.POST_PENDING_TRANSFER:
                self.accounts[p.dr].dpo += amount
                self.accounts[p.cr].cpo += amount
                self.status[t.pending_id] = "posted"
            else:
                self.status[t.pending_id] = "voided"
            self.transfers[t.id] = OTransfer(
                p.dr, p.cr, amount, t.flags, t.pending_id, 0, p.ledger, p.code, clock
            )
            return R.OK
        if t.debit_account_id == 0:
            return R.DEBIT_ACCOUNT_ID_MUST_NOT_BE_ZERO
        if t.credit_account_id == 0:
            return R.CREDIT_ACCOUNT_ID_MUST_NOT_BE_ZERO
        if t.debit_account_id == t.credit_account_id:
            return R.ACCOUNTS_MUST_BE_DIFFERENT
        if t.pending_id:
            return R.PENDING_ID_MUST_BE_ZERO
        if t.timeout and not t.flags & F.PENDING:
            return R.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER
        if t.amount == 0:
            return R.AMOUNT_MUST_NOT_BE_ZERO
        dr = self.accounts.get(t.debit_account_id)
        if dr is None:
            return R.DEBIT_ACCOUNT_NOT_FOUND
        cr = self.accounts.get(t.credit_account_id)
        if cr is None:
            return R.CREDIT_ACCOUNT_NOT_FOUND
        if dr.ledger != cr.ledger:
            return R.ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER
        if t.ledger != dr.ledger:
            return R.TRANSFER_MUST_HAVE_THE_SAME_LEDGER_AS_ACCOUNTS
        if t.id in self.transfers:
            e = self.transfers[t.id]
            if (e.flags | F.LINKED) != (t.flags | F.LINKED):
                return R.EXISTS_WITH_DIFFERENT_FLAGS
            if (e.dr, e.cr) != (t.debit_account_id, t.credit_account_id):
                return (
                    R.EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT_ID
                    if e.dr != t.debit_account_id
                    else R.EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT_ID
                )
            if (t.amount < e.amount) if t.flags & F.BALANCING_DEBIT else (t.amount != e.amount):
                return R.EXISTS_WITH_DIFFERENT_AMOUNT
            if e.timeout != t.timeout:
                return R.EXISTS_WITH_DIFFERENT_TIMEOUT
            return R.EXISTS
        amount = t.amount
        if t.flags & F.BALANCING_DEBIT:
            amount = min(amount, max(dr.cpo - dr.dp - dr.dpo, 0))
            if amount == 0:
                return R.EXCEEDS_CREDITS
        if dr.flags & DR_LIMIT and dr.dp + dr.dpo + amount > dr.cpo:
            return R.EXCEEDS_CREDITS
        if cr.flags & CR_LIMIT and cr.cp + cr.cpo + amount > cr.dpo:
            return R.EXCEEDS_DEBITS
        if t.flags & F.PENDING:
            dr.dp += amount
            cr.cp += amount
            self.status[t.id] = "pending"
        else:
            dr.dpo += amount
            cr.cpo += amount
        self.transfers[t.id] = OTransfer(
            t.debit_account_id,
            t.credit_account_id,
            amount,
            t.flags,
            0,
            t.timeout,
            t.ledger,
            t.code,
            clock,
        )
        return R.OK

    def create_batch(self, batch: list[Transfer], clock: int) -> list[tuple[int, R]]:
        self.expire(clock)
        results: list[tuple[int, R]] = []
        i = 0
        while i < len(batch):
            if not batch[i].flags & F.LINKED:
                code = self.create(batch[i], clock)
                if code != R.OK:
                    results.append((i, code))
                i += 1
                continue
            end = i
            while end < len(batch) and batch[end].flags & F.LINKED:
                end += 1
            is_open = end == len(batch)
            end = end if is_open else end + 1
            snapshot = copy.deepcopy((self.accounts, self.transfers, self.status))
            failed = None
            for j in range(i, end):
                code = R.LINKED_EVENT_CHAIN_OPEN if is_open and j == end - 1 else None
                if code is None:
                    code = self.create(batch[j], clock)
                if code != R.OK:
                    failed = (j, code)
                    break
            if failed is not None:
                self.accounts, self.transfers, self.status = snapshot
                for j in range(i, end):
                    if j == failed[0]:
                        results.append(failed)
                    elif is_open and j == end - 1:
                        results.append((j, R.LINKED_EVENT_CHAIN_OPEN))
                    else:
                        results.append((j, R.LINKED_EVENT_FAILED))
            i = end
        return results


ACCOUNT_IDS = st.integers(1, 6)
ACCOUNT_REFS = st.sampled_from([1, 2, 3, 4, 5] * 4 + [0, 6, 7])
TRANSFER_IDS = st.integers(1, 14)
FLAG_CHOICES = st.sampled_from(
    [
        0,
        0,
        0,
        int(F.PENDING),
        int(F.PENDING),
        int(F.POST_PENDING_TRANSFER),
        int(F.POST_PENDING_TRANSFER),
        int(F.VOID_PENDING_TRANSFER),
        int(F.BALANCING_DEBIT),
        int(F.PENDING | F.POST_PENDING_TRANSFER),
    ]
)


@st.composite
def transfers(draw: st.DrawFn) -> Transfer:
    flags = draw(FLAG_CHOICES)
    if draw(st.integers(0, 7)) == 0:
        flags |= F.LINKED
    post_or_void = flags & (F.POST_PENDING_TRANSFER | F.VOID_PENDING_TRANSFER)
    return Transfer(
        id=draw(TRANSFER_IDS),
        debit_account_id=0 if post_or_void else draw(ACCOUNT_REFS),
        credit_account_id=0 if post_or_void else draw(ACCOUNT_REFS),
        amount=draw(st.integers(0, 40)),
        pending_id=draw(TRANSFER_IDS) if post_or_void else 0,
        timeout=draw(st.integers(0, 3)) if flags & F.PENDING else 0,
        ledger=0 if post_or_void else draw(st.sampled_from([1] * 12 + [2])),
        code=0 if post_or_void else 1,
        flags=flags,
    )


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000 * NS

    def __call__(self) -> int:
        return self.now


def make_machine(url_factory: object) -> type[RuleBasedStateMachine]:
    class LedgerMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.clock = Clock()
            self.ledger: Ledger = open_ledger(url_factory(), clock=self.clock)  # type: ignore[operator]
            self.oracle = Oracle()

        @initialize(
            flags=st.lists(
                st.sampled_from([0, 0, 0, 0, DR_LIMIT, CR_LIMIT, int(AccountFlags.HISTORY)]),
                min_size=5,
                max_size=5,
            ),
            other_ledger=st.sampled_from([0, 0, 0, 5]),
        )
        def open_accounts(self, flags: list[int], other_ledger: int) -> None:
            batch = [
                Account(id=i + 1, ledger=2 if i + 1 == other_ledger else 1, code=1, flags=f)
                for i, f in enumerate(flags)
            ]
            assert self.ledger.create_accounts(batch) == []
            for a in batch:
                self.oracle.accounts[a.id] = OAccount(a.ledger, a.flags)

        def teardown(self) -> None:
            self.ledger.close()

        @rule(
            id=ACCOUNT_IDS,
            ledger=st.sampled_from([1, 1, 2]),
            flags=st.sampled_from([0, 0, DR_LIMIT, CR_LIMIT, int(AccountFlags.HISTORY)]),
        )
        def create_account(self, id: int, ledger: int, flags: int) -> None:
            results = self.ledger.create_accounts(
                [Account(id=id, ledger=ledger, code=1, flags=flags)]
            )
            existing = self.oracle.accounts.get(id)
            if existing is None:
                assert results == []
                self.oracle.accounts[id] = OAccount(ledger, flags)
            else:
                assert results and results[0][0] == 0
                same = existing.ledger == ledger and existing.flags == flags
                assert (results[0][1].name == "EXISTS") == same

        @rule(batch=st.lists(transfers(), min_size=1, max_size=6))
        def create_transfers(self, batch: list[Transfer]) -> None:
            expected = self.oracle.create_batch(batch, self.clock.now)
            got = self.ledger.create_transfers(batch)
            assert got == expected

        @rule()
        def jump_clock(self) -> None:
            self.clock.now += 5 * NS

        @invariant()
        def balances_agree_and_hold(self) -> None:
            ids = sorted(self.oracle.accounts)
            stored = {a.id: a for a in self.ledger.lookup_accounts(ids)}
            for aid in ids:
                o = self.oracle.accounts[aid]
                a = stored[aid]
                assert (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted) == (
                    o.dp,
                    o.dpo,
                    o.cp,
                    o.cpo,
                ), aid
                if a.flags & DR_LIMIT:
                    assert a.debits_pending + a.debits_posted <= a.credits_posted
                if a.flags & CR_LIMIT:
                    assert a.credits_pending + a.credits_posted <= a.debits_posted

        @invariant()
        def trial_balance_is_zero(self) -> None:
            assert all(t.balanced for t in self.ledger.trial_balance())

    return LedgerMachine


def test_ledger_matches_oracle_on_sqlite() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        counter = iter(range(10**9))
        machine = make_machine(lambda: f"sqlite:///{Path(tmp) / f'l{next(counter)}.db'}")
        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=100,
                stateful_step_count=50,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )


def test_ledger_matches_oracle_on_postgres(postgres_url: str) -> None:
    import psycopg

    def fresh() -> str:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(
                "DROP TABLE IF EXISTS ledger_meta, ledger_accounts, ledger_transfers, "
                "ledger_pending, ledger_account_balances"
            )
        return postgres_url

    machine = make_machine(fresh)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


@pytest.mark.parametrize("seed_batch", [[Transfer(id=1, debit_account_id=1, credit_account_id=2)]])
def test_oracle_rejects_zero_amount(seed_batch: list[Transfer]) -> None:
    oracle = Oracle(accounts={1: OAccount(1, 0), 2: OAccount(1, 0)})
    assert oracle.create_batch(seed_batch, 0) == [(0, R.AMOUNT_MUST_NOT_BE_ZERO)]
