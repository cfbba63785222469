"""/v1/ledger: accounts, transfers and the trial balance (operators and admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from puhui.api.keys import ApiKey, Role
from puhui.api.problems import ProblemError
from puhui.api.security import require
from puhui.ledger import Account, Transfer
from puhui.ledger.types import U128_MAX

router = APIRouter(prefix="/v1/ledger", tags=["ledger"])

Id = Annotated[str, Path(pattern=r"^[0-9]{1,39}$", description="128-bit id as a decimal string")]


class AccountOut(BaseModel):
    id: str
    ledger: int
    code: int
    flags: int
    debits_pending: str
    debits_posted: str
    credits_pending: str
    credits_posted: str
    user_data_128: str
    user_data_64: str
    user_data_32: int
    timestamp: int

    @classmethod
    def of(cls, a: Account) -> AccountOut:
        return cls(
            id=str(a.id),
            ledger=a.ledger,
            code=a.code,
            flags=int(a.flags),
            debits_pending=str(a.debits_pending),
            debits_posted=str(a.debits_posted),
            credits_pending=str(a.credits_pending),
            credits_posted=str(a.credits_posted),
            user_data_128=str(a.user_data_128),
            user_data_64=str(a.user_data_64),
            user_data_32=a.user_data_32,
            timestamp=a.timestamp,
        )


class TransferOut(BaseModel):
    id: str
    debit_account_id: str
    credit_account_id: str
    amount: str
    pending_id: str
    ledger: int
    code: int
    flags: int
    timestamp: int
    user_data_128: str
    user_data_64: str
    user_data_32: int

    @classmethod
    def of(cls, t: Transfer) -> TransferOut:
        return cls(
            id=str(t.id),
            debit_account_id=str(t.debit_account_id),
            credit_account_id=str(t.credit_account_id),
            amount=str(t.amount),
            pending_id=str(t.pending_id),
            ledger=t.ledger,
            code=t.code,
            flags=int(t.flags),
            timestamp=t.timestamp,
            user_data_128=str(t.user_data_128),
            user_data_64=str(t.user_data_64),
            user_data_32=t.user_data_32,
        )


class LedgerTotalsOut(BaseModel):
    ledger: int
    accounts: int
    debits_posted: str
    credits_posted: str
    debits_pending: str
    credits_pending: str
    balanced: bool


class TrialBalanceOut(BaseModel):
    balanced: bool = Field(description="Every ledger's debits equal its credits")
    ledgers: list[LedgerTotalsOut]


def _id(text: str, field: str) -> int:
    value = int(text)
    if not 0 < value < U128_MAX:
        raise ProblemError(
            422, "validation_error", f"{field} is not a valid 128-bit id", field=field
        )
    return value


@router.get("/trial-balance", response_model=TrialBalanceOut, summary="Trial balance")
def trial_balance(
    request: Request,
    key: ApiKey = Depends(require(Role.OPERATOR, Role.RISK_ANALYST)),
) -> TrialBalanceOut:
    totals = request.app.state.platform.with_ledger(lambda lg: lg.trial_balance())
    rows = [
        LedgerTotalsOut(
            ledger=t.ledger,
            accounts=t.accounts,
            debits_posted=str(t.debits_posted),
            credits_posted=str(t.credits_posted),
            debits_pending=str(t.debits_pending),
            credits_pending=str(t.credits_pending),
            balanced=t.balanced,
        )
        for t in totals
    ]
    return TrialBalanceOut(balanced=all(r.balanced for r in rows), ledgers=rows)


@router.get("/accounts/{account_id}", response_model=AccountOut, summary="One ledger account")
def get_account(
    request: Request, account_id: Id, key: ApiKey = Depends(require(Role.OPERATOR))
) -> AccountOut:
    wanted = _id(account_id, "account_id")
    found = request.app.state.platform.with_ledger(lambda lg: lg.lookup_accounts([wanted]))
    if not found:
        raise ProblemError(
            404, "account_not_found", f"account {account_id} not found", field="account_id"
        )
    return AccountOut.of(found[0])


@router.get(
    "/accounts/{account_id}/transfers",
    response_model=list[TransferOut],
    summary="An account's transfers, oldest first",
)
def account_transfers(
    request: Request,
    account_id: Id,
    limit: int = Query(100, ge=1, le=8190),
    reversed: bool = Query(False, description="Newest first"),
    key: ApiKey = Depends(require(Role.OPERATOR)),
) -> list[TransferOut]:
    wanted = _id(account_id, "account_id")
    transfers = request.app.state.platform.with_ledger(
        lambda lg: lg.get_account_transfers(wanted, limit=limit, reversed=reversed)
    )
    return [TransferOut.of(t) for t in transfers]


@router.get("/transfers/{transfer_id}", response_model=TransferOut, summary="One transfer")
def get_transfer(
    request: Request, transfer_id: Id, key: ApiKey = Depends(require(Role.OPERATOR))
) -> TransferOut:
    wanted = _id(transfer_id, "transfer_id")
    found = request.app.state.platform.with_ledger(lambda lg: lg.lookup_transfers([wanted]))
    if not found:
        raise ProblemError(
            404, "transfer_not_found", f"transfer {transfer_id} not found", field="transfer_id"
        )
    return TransferOut.of(found[0])
