"""Transactional outbox between the sub-ledger and the general ledger.

The ledger commits on its own connection, so a sub-ledger change and its ledger transfers
cannot share one database transaction. Instead, the change and the transfers it needs are
written together (one transaction) into `lending_outbox`; `flush` then posts them with their
deterministic ids and marks them posted. A crash between the two leaves rows that the next
`flush` posts; a transfer posted but not marked answers EXISTS and is marked. So the general
ledger converges to the sub-ledger exactly once, and `reconcile` flushes before comparing.
"""

from __future__ import annotations

from dataclasses import dataclass

from puhui.ledger import BATCH_MAX, CreateTransferResult, Ledger, Transfer
from puhui.servicing.chart import Code, TransferCode, account_id
from puhui.servicing.store import Db


@dataclass(frozen=True, slots=True)
class Posting:
    """One ledger transfer to make: debit one chart account, credit another."""

    transfer_id: int
    ledger: int
    debit: Code
    credit: Code
    amount: int
    code: TransferCode


def enqueue(db: Db, postings: list[Posting]) -> None:
    """Queue postings inside the caller's transaction; zero amounts are dropped."""
    rows = []
    for p in postings:
        if p.amount < 0:
            p = Posting(p.transfer_id, p.ledger, p.credit, p.debit, -p.amount, p.code)
        if p.amount:
            rows.append(
                (
                    str(p.transfer_id),
                    str(account_id(p.ledger, p.debit)),
                    str(account_id(p.ledger, p.credit)),
                    p.amount,
                    p.ledger,
                    int(p.code),
                )
            )
    db.many(
        "INSERT INTO lending_outbox (transfer_id, debit_account_id, credit_account_id,"
        " amount, ledger, code) VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )


def flush(db: Db, ledger: Ledger) -> int:
    """Post every queued transfer to the ledger; returns how many were posted or found."""
    done = 0
    while True:
        with db.read():
            rows = db.all(
                "SELECT seq, transfer_id, debit_account_id, credit_account_id, amount, ledger,"
                " code FROM lending_outbox WHERE posted = 0 ORDER BY seq LIMIT ?",
                (BATCH_MAX,),
            )
        if not rows:
            return done
        batch = [
            Transfer(
                id=int(r[1]),
                debit_account_id=int(r[2]),
                credit_account_id=int(r[3]),
                amount=int(r[4]),
                ledger=int(r[5]),
                code=int(r[6]),
            )
            for r in rows
        ]
        for index, result in ledger.create_transfers(batch):
            if result is not CreateTransferResult.EXISTS:
                raise RuntimeError(f"ledger refused transfer {batch[index].id}: {result.name}")
        with db.tx():
            db.many(
                "UPDATE lending_outbox SET posted = 1 WHERE seq = ?",
                [(r[0],) for r in rows],
            )
        done += len(rows)
