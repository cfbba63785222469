"""/v1/ledger: accounts, transfers and the trial balance (operators and admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from puhui.api.dependencies import Operator, PlatformDep, RiskReader
from puhui.api.problems import ProblemError
from puhui.api.schemas.ledger import AccountOut, LedgerTotalsOut, TransferOut, TrialBalanceOut
from puhui.ledger.types import U128_MAX

router = APIRouter(prefix="/v1/ledger", tags=["ledger"])

Id = Annotated[str, Path(pattern=r"^[0-9]{1,39}$", description="128-bit id as a decimal string")]


@router.get("/trial-balance", response_model=TrialBalanceOut, summary="Trial balance")
def trial_balance(platform: PlatformDep, key: RiskReader) -> TrialBalanceOut:
    totals = platform.with_ledger(lambda lg: lg.trial_balance())
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
def get_account(platform: PlatformDep, account_id: Id, key: Operator) -> AccountOut:
    wanted = _id(account_id, "account_id")
    found = platform.with_ledger(lambda lg: lg.lookup_accounts([wanted]))
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
    platform: PlatformDep,
    key: Operator,
    account_id: Id,
    limit: int = Query(100, ge=1, le=8190),
    reversed: bool = Query(False, description="Newest first"),
) -> list[TransferOut]:
    wanted = _id(account_id, "account_id")
    transfers = platform.with_ledger(
        lambda lg: lg.get_account_transfers(wanted, limit=limit, reversed=reversed)
    )
    return [TransferOut.of(t) for t in transfers]


@router.get("/transfers/{transfer_id}", response_model=TransferOut, summary="One transfer")
def get_transfer(platform: PlatformDep, transfer_id: Id, key: Operator) -> TransferOut:
    wanted = _id(transfer_id, "transfer_id")
    found = platform.with_ledger(lambda lg: lg.lookup_transfers([wanted]))
    if not found:
        raise ProblemError(
            404, "transfer_not_found", f"transfer {transfer_id} not found", field="transfer_id"
        )
    return TransferOut.of(found[0])


def _id(text: str, field: str) -> int:
    value = int(text)
    if not 0 < value < U128_MAX:
        raise ProblemError(
            422, "validation_error", f"{field} is not a valid 128-bit id", field=field
        )
    return value
