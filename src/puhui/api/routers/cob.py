"""/v1/business-date, /v1/cob and /v1/reconciliation: the bank's day and its proof.

COB closes one business date (accrue, penalise, bill, age, write off, advance). Closing a date
that is already closed changes nothing and reports every step as skipped, so an operator (or
a scheduler) retrying `POST /v1/cob {"date": D}` is safe.
"""

from __future__ import annotations

from fastapi import APIRouter

from puhui.api.dependencies import Operator, PlatformDep, RiskReader, StaffReader
from puhui.api.schemas.lending import (
    BusinessDateOut,
    CobIn,
    CobOut,
    LoanCheckOut,
    ReconciliationOut,
    ReconLineOut,
)
from puhui.servicing.service import LendingService

router = APIRouter(prefix="/v1", tags=["lending: close of business"])


@router.get("/business-date", response_model=BusinessDateOut, summary="The business date")
def business_date(platform: PlatformDep, key: StaffReader) -> BusinessDateOut:
    return BusinessDateOut(business_date=platform.with_lending(lambda s: s.business_date()))


@router.post(
    "/cob",
    response_model=CobOut,
    summary="Close a business date (default: the current one) and move to the next",
)
def run_cob(platform: PlatformDep, key: Operator, body: CobIn | None = None) -> CobOut:
    def run(lending: LendingService) -> CobOut:
        day = body.date if body is not None and body.date is not None else lending.business_date()
        report = lending.run_cob(day)
        return CobOut(
            closed=report.business_date,
            business_date=lending.business_date(),
            steps=report.steps,
            skipped=report.skipped,
        )

    return platform.with_lending(run)


@router.get(
    "/reconciliation",
    response_model=ReconciliationOut,
    summary="Sub-ledger totals against the general ledger, per currency and account",
)
def reconciliation(platform: PlatformDep, key: RiskReader) -> ReconciliationOut:
    recon = platform.with_lending(lambda s: s.reconcile())
    return ReconciliationOut(
        ok=recon.ok,
        trial_balance_zero=recon.trial_balance_zero,
        lines=[
            ReconLineOut(
                ledger=x.ledger,
                account=x.account.name.lower(),
                subledger=str(x.subledger),
                general_ledger=str(x.general_ledger),
                ok=x.ok,
            )
            for x in recon.lines
        ],
        loan_checks=[LoanCheckOut(check=name, loans_failing=n) for name, n in recon.loan_checks],
    )
