"""Child-process bodies for the concurrency and crash tests (importable under `spawn`)."""

from __future__ import annotations

import os
import random
import sys
from typing import Any

from puhui.ledger import Account, AccountFlags, Ledger, Transfer, open_ledger

SOURCE = 1
SINK = 2
HOT = [10, 11, 12, 13]
LIMIT = int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)


def setup_hot_accounts(url: str, funding: int) -> None:
    with open_ledger(url) as ledger:
        accounts = [Account(id=SOURCE, ledger=1, code=1), Account(id=SINK, ledger=1, code=1)]
        accounts += [Account(id=h, ledger=1, code=2, flags=LIMIT) for h in HOT]
        assert ledger.create_accounts(accounts) == []
        funds = [
            Transfer(
                id=(1 << 100) + h,
                debit_account_id=SOURCE,
                credit_account_id=h,
                amount=funding,
                ledger=1,
                code=1,
            )
            for h in HOT
        ]
        assert ledger.create_transfers(funds) == []


def hammer(url: str, worker: int, rounds: int, queue: Any) -> None:
    """Random transfers between hot limited accounts; ids shared across workers on purpose."""
    rng = random.Random(worker)
    applied: list[int] = []
    with open_ledger(url) as ledger:
        for r in range(rounds):
            batch = []
            for k in range(20):
                # Half the ids are shared by every worker (same content): at most one applies.
                shared = k % 2 == 0
                tid = (r * 100 + k + 1) if shared else ((worker + 1) << 64) + r * 100 + k + 1
                pick = random.Random(tid) if shared else rng
                dr = pick.choice(HOT)
                cr = pick.choice([h for h in HOT if h != dr] + [SINK])
                batch.append(
                    Transfer(
                        id=tid,
                        debit_account_id=dr,
                        credit_account_id=cr,
                        amount=pick.randint(1, 40),
                        ledger=1,
                        code=1,
                    )
                )
            failed = {i for i, _ in ledger.create_transfers(batch)}
            applied.extend(t.id for i, t in enumerate(batch) if i not in failed)
    queue.put((worker, applied))


def crash_writer(url: str, ack_path: str, batch_size: int) -> None:
    """Write batches forever; append each acknowledged batch number to `ack_path`."""
    ledger: Ledger = open_ledger(url)
    n = 0
    with open(ack_path, "a") as ack:
        while True:
            batch = [
                Transfer(
                    id=(n << 32) + i + 1,
                    debit_account_id=SOURCE,
                    credit_account_id=SINK,
                    amount=1 + (i % 7),
                    ledger=1,
                    code=1,
                    user_data_64=n,
                )
                for i in range(batch_size)
            ]
            results = ledger.create_transfers(batch)
            assert results == [], results[:3]
            ack.write(f"{n}\n")
            ack.flush()
            os.fsync(ack.fileno())
            n += 1
            sys.stdout.flush()
