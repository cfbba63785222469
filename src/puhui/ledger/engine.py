"""The ledger's state machine: validate and apply a batch in memory, then hand the store a plan.

This is the functional core of the ledger. A store loads just the state a batch touches (its
accounts, the transfers its ids and pending ids name, those pending transfers' states), the
engine runs every event in order exactly as TigerBeetle's `create_transfer` does (results in
TigerBeetle's order of precedence, linked chains applied all-or-nothing through an undo log),
and returns a plan: rows to insert, final balances of touched accounts, pending-state changes
and history rows. The store writes the plan with one statement per table, in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from puhui.ledger.types import (
    ACCOUNT_FLAGS_KNOWN,
    TRANSFER_FLAGS_KNOWN,
    U128_MAX,
    Account,
    AccountBalance,
    AccountFlags,
    CreateAccountResult,
    CreateTransferResult,
    PendingStatus,
    Transfer,
)

NS_PER_S = 1_000_000_000
TIMESTAMP_MAX = (1 << 63) - 1

_LINKED = int(AccountFlags.LINKED)
_DR_LIMIT = int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
_CR_LIMIT = int(AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS)
_HISTORY = int(AccountFlags.HISTORY)
_CLOSED = int(AccountFlags.CLOSED)

_T_LINKED = 1
_T_PENDING = 2
_T_POST = 4
_T_VOID = 8
_T_BAL_DR = 16
_T_BAL_CR = 32
_T_CLOSE_DR = 64
_T_CLOSE_CR = 128
_T_UNKNOWN = ~int(TRANSFER_FLAGS_KNOWN)
_A_UNKNOWN = ~int(ACCOUNT_FLAGS_KNOWN)

R = CreateTransferResult
AR = CreateAccountResult


@dataclass(slots=True)
class PendingState:
    """A pending transfer's status and its expiry deadline (ns; 0 = never)."""

    status: PendingStatus
    expires_at: int


@dataclass(slots=True)
class TransferPlan:
    """What a transfer batch changes; written by the store in one transaction."""

    results: list[tuple[int, CreateTransferResult]]
    inserted: list[Transfer]
    accounts: dict[int, Account]
    pending: dict[int, PendingState]  # pending transfer id -> new state (new or changed)
    history: list[tuple[int, AccountBalance]]
    last_timestamp: int


@dataclass(slots=True)
class AccountPlan:
    results: list[tuple[int, CreateAccountResult]]
    inserted: list[Account]
    last_timestamp: int


@dataclass(slots=True)
class _Undo:
    """Undo log for one linked chain: restores every mutation if the chain fails."""

    balances: list[tuple[Account, int, int, int, int, int]] = field(default_factory=list)
    transfers: list[int] = field(default_factory=list)
    pending: list[tuple[int, PendingState | None]] = field(default_factory=list)
    inserted_len: int = 0
    history_len: int = 0


def _chains(flags: list[int]) -> list[tuple[int, int, bool]]:
    """Split a batch into (start, end_exclusive, open) chains by the LINKED flag."""
    chains: list[tuple[int, int, bool]] = []
    start = 0
    n = len(flags)
    for i in range(n):
        if not flags[i] & _LINKED:
            chains.append((start, i + 1, False))
            start = i + 1
    if start < n:
        chains.append((start, n, True))
    return chains


_LINKED_FAILED = int(CreateTransferResult.LINKED_EVENT_FAILED)
_CHAIN_OPEN = int(CreateTransferResult.LINKED_EVENT_CHAIN_OPEN)
assert _LINKED_FAILED == CreateAccountResult.LINKED_EVENT_FAILED
assert _CHAIN_OPEN == CreateAccountResult.LINKED_EVENT_CHAIN_OPEN


def _fail_chain(
    results: list[tuple[int, int]], start: int, end: int, failed_at: int, code: int, is_open: bool
) -> None:
    """Every event of a failed chain fails: the culprit with its own code, the rest as
    `linked_event_failed`, and an unterminated chain's last event as `linked_event_chain_open`."""
    # The two chain codes are numbered alike for accounts and transfers (TigerBeetle's order).
    for j in range(start, end):
        if j == failed_at:
            results.append((j, code))
        elif is_open and j == end - 1:
            results.append((j, _CHAIN_OPEN))
        else:
            results.append((j, _LINKED_FAILED))


# ---------------------------------------------------------------------------------------------
# Accounts
# ---------------------------------------------------------------------------------------------


def _check_account(a: Account, existing: Account | None) -> CreateAccountResult:
    if a.timestamp != 0:
        return AR.TIMESTAMP_MUST_BE_ZERO
    if a.reserved != 0:
        return AR.RESERVED_FIELD
    if a.flags & _A_UNKNOWN:
        return AR.RESERVED_FLAG
    if a.id == 0:
        return AR.ID_MUST_NOT_BE_ZERO
    if a.id == U128_MAX:
        return AR.ID_MUST_NOT_BE_INT_MAX
    if a.flags & _DR_LIMIT and a.flags & _CR_LIMIT:
        return AR.FLAGS_ARE_MUTUALLY_EXCLUSIVE
    if a.debits_pending:
        return AR.DEBITS_PENDING_MUST_BE_ZERO
    if a.debits_posted:
        return AR.DEBITS_POSTED_MUST_BE_ZERO
    if a.credits_pending:
        return AR.CREDITS_PENDING_MUST_BE_ZERO
    if a.credits_posted:
        return AR.CREDITS_POSTED_MUST_BE_ZERO
    if a.ledger == 0:
        return AR.LEDGER_MUST_NOT_BE_ZERO
    if a.code == 0:
        return AR.CODE_MUST_NOT_BE_ZERO
    if existing is not None:
        if (existing.flags & ~_LINKED & ~_CLOSED) != (a.flags & ~_LINKED & ~_CLOSED):
            return AR.EXISTS_WITH_DIFFERENT_FLAGS
        if existing.user_data_128 != a.user_data_128:
            return AR.EXISTS_WITH_DIFFERENT_USER_DATA_128
        if existing.user_data_64 != a.user_data_64:
            return AR.EXISTS_WITH_DIFFERENT_USER_DATA_64
        if existing.user_data_32 != a.user_data_32:
            return AR.EXISTS_WITH_DIFFERENT_USER_DATA_32
        if existing.ledger != a.ledger:
            return AR.EXISTS_WITH_DIFFERENT_LEDGER
        if existing.code != a.code:
            return AR.EXISTS_WITH_DIFFERENT_CODE
        return AR.EXISTS
    return AR.OK


def execute_accounts(
    batch: list[Account], timestamp: int, existing: dict[int, Account]
) -> AccountPlan:
    """Create accounts; `existing` holds the stored accounts whose ids appear in the batch.

    Event `i` is stamped `timestamp + i`.
    """
    results: list[tuple[int, int]] = []
    inserted: list[Account] = []
    known = dict(existing)
    for start, end, is_open in _chains([a.flags for a in batch]):
        mark = len(inserted)
        failed_at, failed_code = -1, 0
        for i in range(start, end):
            a = batch[i]
            if is_open and i == end - 1:
                failed_at, failed_code = i, AR.LINKED_EVENT_CHAIN_OPEN
                break
            code = _check_account(a, known.get(a.id))
            if code != AR.OK:
                failed_at, failed_code = i, code
                break
            row = Account(
                id=a.id,
                user_data_128=a.user_data_128,
                user_data_64=a.user_data_64,
                user_data_32=a.user_data_32,
                ledger=a.ledger,
                code=a.code,
                flags=a.flags,
                timestamp=timestamp + i,
            )
            known[a.id] = row
            inserted.append(row)
        if failed_at < 0:
            continue
        if end - start == 1:
            results.append((failed_at, failed_code))
        else:
            for row in inserted[mark:]:
                known.pop(row.id, None)
                if row.id in existing:
                    known[row.id] = existing[row.id]
            del inserted[mark:]
            _fail_chain(results, start, end, failed_at, failed_code, is_open)
    return AccountPlan(
        results=[(i, CreateAccountResult(c)) for i, c in results],
        inserted=inserted,
        last_timestamp=timestamp + len(batch),
    )


# ---------------------------------------------------------------------------------------------
# Transfers
# ---------------------------------------------------------------------------------------------


class _Machine:
    """Applies transfers to loaded state; one instance per batch."""

    __slots__ = ("accounts", "history", "inserted", "pending", "touched", "transfers", "undo")

    def __init__(
        self,
        accounts: dict[int, Account],
        transfers: dict[int, Transfer],
        pending: dict[int, PendingState],
    ) -> None:
        self.accounts = accounts
        self.transfers = transfers
        self.pending = pending
        self.inserted: list[Transfer] = []
        self.history: list[tuple[int, AccountBalance]] = []
        self.touched: dict[int, Account] = {}
        self.undo: _Undo | None = None

    # -- mutation helpers (record undo when inside a chain) -----------------------------
    def _save(self, acc: Account) -> None:
        if self.undo is not None:
            self.undo.balances.append(
                (
                    acc,
                    acc.debits_pending,
                    acc.debits_posted,
                    acc.credits_pending,
                    acc.credits_posted,
                    acc.flags,
                )
            )
        self.touched[acc.id] = acc

    def _set_pending(self, tid: int, state: PendingState) -> None:
        if self.undo is not None:
            self.undo.pending.append((tid, self.pending.get(tid)))
        self.pending[tid] = state

    def _record(self, acc: Account, ts: int) -> None:
        if acc.flags & _HISTORY:
            self.history.append(
                (
                    acc.id,
                    AccountBalance(
                        acc.debits_pending,
                        acc.debits_posted,
                        acc.credits_pending,
                        acc.credits_posted,
                        ts,
                    ),
                )
            )

    def _insert(self, t: Transfer) -> None:
        self.transfers[t.id] = t
        self.inserted.append(t)
        if self.undo is not None:
            self.undo.transfers.append(t.id)

    def begin_chain(self) -> None:
        self.undo = _Undo(inserted_len=len(self.inserted), history_len=len(self.history))

    def rollback_chain(self) -> None:
        undo = self.undo
        assert undo is not None
        for acc, dp, dpo, cp, cpo, flags in reversed(undo.balances):
            acc.debits_pending, acc.debits_posted = dp, dpo
            acc.credits_pending, acc.credits_posted = cp, cpo
            acc.flags = flags
        for tid in undo.transfers:
            self.transfers.pop(tid, None)
        for tid, old in reversed(undo.pending):
            if old is None:
                self.pending.pop(tid, None)
            else:
                self.pending[tid] = old
        del self.inserted[undo.inserted_len :]
        del self.history[undo.history_len :]
        self.undo = None

    def end_chain(self) -> None:
        self.undo = None

    # -- expiry -------------------------------------------------------------------------
    def expire(self, tid: int, ts: int) -> None:
        """Release an overdue pending transfer's reservation (TigerBeetle's timeout)."""
        p = self.transfers[tid]
        state = self.pending.get(tid)
        if state is None or state.status != PendingStatus.PENDING:
            return
        dr = self.accounts[p.debit_account_id]
        cr = self.accounts[p.credit_account_id]
        self._save(dr)
        self._save(cr)
        dr.debits_pending -= p.amount
        cr.credits_pending -= p.amount
        if p.flags & _T_CLOSE_DR:
            dr.flags &= ~_CLOSED
        if p.flags & _T_CLOSE_CR:
            cr.flags &= ~_CLOSED
        self._set_pending(tid, PendingState(PendingStatus.EXPIRED, state.expires_at))
        self._record(dr, ts)
        self._record(cr, ts)

    # -- one transfer -------------------------------------------------------------------
    def create(self, t: Transfer, ts: int) -> int:
        flags = t.flags
        if t.timestamp != 0:
            return R.TIMESTAMP_MUST_BE_ZERO
        if flags & _T_UNKNOWN:
            return R.RESERVED_FLAG
        tid = t.id
        if tid == 0:
            return R.ID_MUST_NOT_BE_ZERO
        if tid == U128_MAX:
            return R.ID_MUST_NOT_BE_INT_MAX
        if flags & (_T_POST | _T_VOID):
            if flags & (_T_PENDING | _T_BAL_DR | _T_BAL_CR | _T_CLOSE_DR | _T_CLOSE_CR) or (
                flags & _T_POST and flags & _T_VOID
            ):
                return R.FLAGS_ARE_MUTUALLY_EXCLUSIVE
            return self._post_or_void(t, ts)
        if flags & (_T_CLOSE_DR | _T_CLOSE_CR) and not flags & _T_PENDING:
            return R.FLAGS_ARE_MUTUALLY_EXCLUSIVE
        dr_id = t.debit_account_id
        cr_id = t.credit_account_id
        if dr_id == 0:
            return R.DEBIT_ACCOUNT_ID_MUST_NOT_BE_ZERO
        if dr_id == U128_MAX:
            return R.DEBIT_ACCOUNT_ID_MUST_NOT_BE_INT_MAX
        if cr_id == 0:
            return R.CREDIT_ACCOUNT_ID_MUST_NOT_BE_ZERO
        if cr_id == U128_MAX:
            return R.CREDIT_ACCOUNT_ID_MUST_NOT_BE_INT_MAX
        if dr_id == cr_id:
            return R.ACCOUNTS_MUST_BE_DIFFERENT
        if t.pending_id != 0:
            return R.PENDING_ID_MUST_BE_ZERO
        if t.timeout != 0 and not flags & _T_PENDING:
            return R.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER
        if t.amount == 0:
            return R.AMOUNT_MUST_NOT_BE_ZERO
        if t.ledger == 0:
            return R.LEDGER_MUST_NOT_BE_ZERO
        if t.code == 0:
            return R.CODE_MUST_NOT_BE_ZERO
        dr = self.accounts.get(dr_id)
        if dr is None:
            return R.DEBIT_ACCOUNT_NOT_FOUND
        cr = self.accounts.get(cr_id)
        if cr is None:
            return R.CREDIT_ACCOUNT_NOT_FOUND
        if dr.ledger != cr.ledger:
            return R.ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER
        if t.ledger != dr.ledger:
            return R.TRANSFER_MUST_HAVE_THE_SAME_LEDGER_AS_ACCOUNTS
        existing = self.transfers.get(tid)
        if existing is not None:
            return _exists(t, existing)

        amount = t.amount
        if flags & _T_BAL_DR:
            amount = min(amount, max(dr.credits_posted - dr.debits_pending - dr.debits_posted, 0))
            if amount == 0:
                return R.EXCEEDS_CREDITS
        if flags & _T_BAL_CR:
            amount = min(amount, max(cr.debits_posted - cr.credits_pending - cr.credits_posted, 0))
            if amount == 0:
                return R.EXCEEDS_DEBITS
        pending = flags & _T_PENDING
        if pending:
            if amount + dr.debits_pending > U128_MAX:
                return R.OVERFLOWS_DEBITS_PENDING
            if amount + cr.credits_pending > U128_MAX:
                return R.OVERFLOWS_CREDITS_PENDING
        if amount + dr.debits_posted > U128_MAX:
            return R.OVERFLOWS_DEBITS_POSTED
        if amount + cr.credits_posted > U128_MAX:
            return R.OVERFLOWS_CREDITS_POSTED
        if amount + dr.debits_pending + dr.debits_posted > U128_MAX:
            return R.OVERFLOWS_DEBITS
        if amount + cr.credits_pending + cr.credits_posted > U128_MAX:
            return R.OVERFLOWS_CREDITS
        if ts + t.timeout * NS_PER_S > TIMESTAMP_MAX:
            return R.OVERFLOWS_TIMEOUT
        if (
            dr.flags & _DR_LIMIT
            and dr.debits_pending + dr.debits_posted + amount > dr.credits_posted
        ):
            return R.EXCEEDS_CREDITS
        if (
            cr.flags & _CR_LIMIT
            and cr.credits_pending + cr.credits_posted + amount > cr.debits_posted
        ):
            return R.EXCEEDS_DEBITS
        if dr.flags & _CLOSED:
            return R.DEBIT_ACCOUNT_ALREADY_CLOSED
        if cr.flags & _CLOSED:
            return R.CREDIT_ACCOUNT_ALREADY_CLOSED

        row = Transfer(
            tid,
            dr_id,
            cr_id,
            amount,
            0,
            t.user_data_128,
            t.user_data_64,
            t.user_data_32,
            t.timeout,
            t.ledger,
            t.code,
            flags,
            ts,
        )
        self._save(dr)
        self._save(cr)
        if pending:
            dr.debits_pending += amount
            cr.credits_pending += amount
            if flags & _T_CLOSE_DR:
                dr.flags |= _CLOSED
            if flags & _T_CLOSE_CR:
                cr.flags |= _CLOSED
            expires = ts + t.timeout * NS_PER_S if t.timeout else 0
            self._set_pending(tid, PendingState(PendingStatus.PENDING, expires))
        else:
            dr.debits_posted += amount
            cr.credits_posted += amount
        self._insert(row)
        self._record(dr, ts)
        self._record(cr, ts)
        return 0

    def _post_or_void(self, t: Transfer, ts: int) -> int:
        pid = t.pending_id
        if pid == 0:
            return R.PENDING_ID_MUST_NOT_BE_ZERO
        if pid == U128_MAX:
            return R.PENDING_ID_MUST_NOT_BE_INT_MAX
        if pid == t.id:
            return R.PENDING_ID_MUST_BE_DIFFERENT
        if t.timeout != 0:
            return R.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER
        p = self.transfers.get(pid)
        if p is None:
            return R.PENDING_TRANSFER_NOT_FOUND
        if not p.flags & _T_PENDING:
            return R.PENDING_TRANSFER_NOT_PENDING
        if t.debit_account_id and t.debit_account_id != p.debit_account_id:
            return R.PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT_ID
        if t.credit_account_id and t.credit_account_id != p.credit_account_id:
            return R.PENDING_TRANSFER_HAS_DIFFERENT_CREDIT_ACCOUNT_ID
        if t.ledger and t.ledger != p.ledger:
            return R.PENDING_TRANSFER_HAS_DIFFERENT_LEDGER
        if t.code and t.code != p.code:
            return R.PENDING_TRANSFER_HAS_DIFFERENT_CODE
        amount = t.amount if t.amount else p.amount
        if amount > p.amount:
            return R.EXCEEDS_PENDING_TRANSFER_AMOUNT
        if t.flags & _T_VOID and amount < p.amount:
            return R.PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT
        existing = self.transfers.get(t.id)
        if existing is not None:
            return _exists_post_or_void(t, existing, p)
        state = self.pending.get(pid)
        status = state.status if state is not None else PendingStatus.PENDING
        if status == PendingStatus.POSTED:
            return R.PENDING_TRANSFER_ALREADY_POSTED
        if status == PendingStatus.VOIDED:
            return R.PENDING_TRANSFER_ALREADY_VOIDED
        if status == PendingStatus.EXPIRED or (state is not None and 0 < state.expires_at <= ts):
            return R.PENDING_TRANSFER_EXPIRED
        dr = self.accounts[p.debit_account_id]
        cr = self.accounts[p.credit_account_id]
        row = Transfer(
            t.id,
            p.debit_account_id,
            p.credit_account_id,
            amount,
            pid,
            t.user_data_128 or p.user_data_128,
            t.user_data_64 or p.user_data_64,
            t.user_data_32 or p.user_data_32,
            0,
            p.ledger,
            p.code,
            t.flags,
            ts,
        )
        self._save(dr)
        self._save(cr)
        dr.debits_pending -= p.amount
        cr.credits_pending -= p.amount
        if t.flags & _T_POST:
            dr.debits_posted += amount
            cr.credits_posted += amount
            new_status = PendingStatus.POSTED
        else:
            if p.flags & _T_CLOSE_DR:
                dr.flags &= ~_CLOSED
            if p.flags & _T_CLOSE_CR:
                cr.flags &= ~_CLOSED
            new_status = PendingStatus.VOIDED
        self._set_pending(pid, PendingState(new_status, state.expires_at if state else 0))
        self._insert(row)
        self._record(dr, ts)
        self._record(cr, ts)
        return 0


def _exists(t: Transfer, e: Transfer) -> int:
    if (t.flags | _T_LINKED) != (e.flags | _T_LINKED):
        return R.EXISTS_WITH_DIFFERENT_FLAGS
    if t.debit_account_id != e.debit_account_id:
        return R.EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT_ID
    if t.credit_account_id != e.credit_account_id:
        return R.EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT_ID
    if t.flags & (_T_BAL_DR | _T_BAL_CR):
        if t.amount < e.amount:
            return R.EXISTS_WITH_DIFFERENT_AMOUNT
    elif t.amount != e.amount:
        return R.EXISTS_WITH_DIFFERENT_AMOUNT
    if t.pending_id != e.pending_id:
        return R.EXISTS_WITH_DIFFERENT_PENDING_ID
    if t.user_data_128 != e.user_data_128:
        return R.EXISTS_WITH_DIFFERENT_USER_DATA_128
    if t.user_data_64 != e.user_data_64:
        return R.EXISTS_WITH_DIFFERENT_USER_DATA_64
    if t.user_data_32 != e.user_data_32:
        return R.EXISTS_WITH_DIFFERENT_USER_DATA_32
    if t.timeout != e.timeout:
        return R.EXISTS_WITH_DIFFERENT_TIMEOUT
    if t.code != e.code:
        return R.EXISTS_WITH_DIFFERENT_CODE
    return R.EXISTS


def _exists_post_or_void(t: Transfer, e: Transfer, p: Transfer) -> int:
    if (t.flags | _T_LINKED) != (e.flags | _T_LINKED):
        return R.EXISTS_WITH_DIFFERENT_FLAGS
    if (t.amount or p.amount) != e.amount:
        return R.EXISTS_WITH_DIFFERENT_AMOUNT
    if t.pending_id != e.pending_id:
        return R.EXISTS_WITH_DIFFERENT_PENDING_ID
    if (t.user_data_128 or p.user_data_128) != e.user_data_128:
        return R.EXISTS_WITH_DIFFERENT_USER_DATA_128
    if (t.user_data_64 or p.user_data_64) != e.user_data_64:
        return R.EXISTS_WITH_DIFFERENT_USER_DATA_64
    if (t.user_data_32 or p.user_data_32) != e.user_data_32:
        return R.EXISTS_WITH_DIFFERENT_USER_DATA_32
    return R.EXISTS


def execute_transfers(
    batch: list[Transfer],
    timestamp: int,
    accounts: dict[int, Account],
    transfers: dict[int, Transfer],
    pending: dict[int, PendingState],
    expired: Sequence[int] = (),
) -> TransferPlan:
    """Run a transfer batch against loaded state.

    `timestamp` is this batch's base server time (ns). The k-th overdue pending transfer in
    `expired` is released at `timestamp + k`; event `i` is then stamped
    `timestamp + len(expired) + i`, so every change has a timestamp of its own.
    `accounts` must hold every account the batch (and its pending transfers) names;
    `transfers` every stored transfer whose id is a batch id or pending id; `pending` the
    states of those pending transfers. The dictionaries are updated in place.
    """
    m = _Machine(accounts, transfers, pending)
    for k, tid in enumerate(expired):
        m.expire(tid, timestamp + k)
    results: list[tuple[int, int]] = []
    base = timestamp + len(expired)
    n = len(batch)
    i = 0
    while i < n:
        t = batch[i]
        if not t.flags & _T_LINKED:
            code = m.create(t, base + i)
            if code:
                results.append((i, code))
            i += 1
            continue
        # A linked chain: runs until the first event without LINKED, or the end of the batch.
        start = i
        end = start
        while end < n and batch[end].flags & _T_LINKED:
            end += 1
        is_open = end == n
        if not is_open:
            end += 1
        m.begin_chain()
        failed_at = -1
        failed_code = 0
        for j in range(start, end):
            if is_open and j == end - 1:
                failed_at, failed_code = j, R.LINKED_EVENT_CHAIN_OPEN
                break
            code = m.create(batch[j], base + j)
            if code:
                failed_at, failed_code = j, code
                break
        if failed_at >= 0:
            m.rollback_chain()
            _fail_chain(results, start, end, failed_at, failed_code, is_open)
        else:
            m.end_chain()
        i = end
    changed = {tid: pending[tid] for tid in _pending_touched(m)}
    return TransferPlan(
        results=[(i, CreateTransferResult(c)) for i, c in results],
        inserted=m.inserted,
        accounts=m.touched,
        pending=changed,
        history=m.history,
        last_timestamp=base + n,
    )


def _pending_touched(m: _Machine) -> list[int]:
    ids: list[int] = []
    for t in m.inserted:
        if t.flags & _T_PENDING:
            ids.append(t.id)
        elif t.pending_id:
            ids.append(t.pending_id)
    ids.extend(tid for tid, state in m.pending.items() if state.status == PendingStatus.EXPIRED)
    return [tid for tid in dict.fromkeys(ids) if tid in m.pending]
