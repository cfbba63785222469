"""Funding: money put into settlement from the funding (equity) account, journaled.

Each funding is a row of `lending_funding` keyed by the caller's client id, written with its
ledger posting in one transaction, so reconciliation can derive the funding and settlement
accounts from the book, and a retry books nothing (another amount under the same key is
refused, not silently ignored).
"""

from __future__ import annotations

from puhui.errors import ConflictError
from puhui.servicing.chart import Code, TransferCode, ledger_of, transfer_id
from puhui.servicing.outbox import Posting, enqueue
from puhui.servicing.store import Db


def fund(db: Db, currency: str, minor: int, client_id: str) -> bool:
    """Journal and queue a funding (in the caller's transaction); False if it was a retry."""
    number = ledger_of(currency)
    row = db.one("SELECT ledger, amount FROM lending_funding WHERE client_id = ?", (client_id,))
    if row is not None:
        if (int(row[0]), int(row[1])) != (number, minor):
            raise ConflictError(
                f"client_id {client_id!r} funded another amount or currency", field="client_id"
            )
        return False
    db.execute(
        "INSERT INTO lending_funding (client_id, ledger, amount) VALUES (?, ?, ?)",
        (client_id, number, minor),
    )
    posting = Posting(
        transfer_id("fund", client_id),
        number,
        Code.SETTLEMENT,
        Code.FUNDING,
        minor,
        TransferCode.FUNDING,
    )
    enqueue(db, [posting])
    return True
