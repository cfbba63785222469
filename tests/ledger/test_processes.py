"""Several real processes against one ledger, and a writer killed with SIGKILL mid-batch."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
from pathlib import Path

import pytest

from puhui.ledger import Account, Ledger, Transfer, open_ledger

from .workers import HOT, SINK, SOURCE, crash_writer, hammer, setup_hot_accounts

CTX = mp.get_context("spawn")


def all_transfers(ledger: Ledger, account_id: int) -> list[Transfer]:
    out: list[Transfer] = []
    since = 0
    while True:
        page = ledger.get_account_transfers(account_id, timestamp_min=since, limit=8190)
        out.extend(page)
        if len(page) < 8190:
            return out
        since = page[-1].timestamp + 1


def check_books(ledger: Ledger, account_ids: list[int]) -> None:
    """Every balance equals the sum of its stored transfers; the trial balance is zero."""
    assert all(t.balanced for t in ledger.trial_balance())
    for account in ledger.lookup_accounts(account_ids):
        transfers = all_transfers(ledger, account.id)
        debits = sum(t.amount for t in transfers if t.debit_account_id == account.id)
        credits = sum(t.amount for t in transfers if t.credit_account_id == account.id)
        assert (account.debits_posted, account.credits_posted) == (debits, credits)
        assert len({t.id for t in transfers}) == len(transfers)


def test_four_processes_on_hot_limited_accounts(database_url: str) -> None:
    setup_hot_accounts(database_url, funding=2_000)
    queue = CTX.Queue()
    workers = [CTX.Process(target=hammer, args=(database_url, w, 40, queue)) for w in range(4)]
    for p in workers:
        p.start()
    violations = 0
    with open_ledger(database_url) as monitor:
        while any(p.is_alive() for p in workers):
            for a in monitor.lookup_accounts(HOT):
                if a.debits_posted + a.debits_pending > a.credits_posted:
                    violations += 1
            assert all(t.balanced for t in monitor.trial_balance())
            time.sleep(0.01)
        results = [queue.get(timeout=60) for _ in workers]
        for p in workers:
            p.join(timeout=60)
            assert p.exitcode == 0
        assert violations == 0
        applied = [tid for _, ids in results for tid in ids]
        assert len(applied) == len(set(applied)), "a transfer id was applied twice"
        stored = {t.id for h in HOT for t in all_transfers(monitor, h) if t.id < (1 << 100)}
        assert stored == set(applied)
        check_books(monitor, [SOURCE, SINK, *HOT])
        hot = monitor.lookup_accounts(HOT)
        assert all(a.debits_posted <= a.credits_posted for a in hot)
        assert (
            sum(a.credits_posted - a.debits_posted for a in hot)
            + monitor.lookup_accounts([SINK])[0].credits_posted
            == 4 * 2_000
        )


@pytest.mark.parametrize("delay", [0.35, 0.8, 1.3])
def test_sigkill_mid_batch_loses_nothing_acknowledged(
    database_url: str, tmp_path: Path, delay: float
) -> None:
    with open_ledger(database_url) as ledger:
        ledger.create_accounts(
            [Account(id=SOURCE, ledger=1, code=1), Account(id=SINK, ledger=1, code=1)]
        )
    ack = tmp_path / "acks.txt"
    batch_size = 4000
    proc = CTX.Process(target=crash_writer, args=(database_url, str(ack), batch_size))
    proc.start()
    deadline = time.monotonic() + 60
    while (not ack.exists() or not ack.read_text()) and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)  # type: ignore[arg-type]
    proc.join()
    assert proc.exitcode == -signal.SIGKILL
    acknowledged = [int(x) for x in ack.read_text().split()]
    assert acknowledged, "the writer acknowledged nothing before the kill"

    with open_ledger(database_url) as ledger:
        transfers = all_transfers(ledger, SOURCE)
        by_batch: dict[int, int] = {}
        for t in transfers:
            by_batch[t.user_data_64] = by_batch.get(t.user_data_64, 0) + 1
        # every acknowledged batch is whole; any other batch is whole or absent
        for n in acknowledged:
            assert by_batch.get(n) == batch_size
        assert all(count == batch_size for count in by_batch.values())
        assert set(by_batch) - set(acknowledged) <= {max(acknowledged) + 1}
        check_books(ledger, [SOURCE, SINK])
        # the ledger still takes writes after recovery
        assert (
            ledger.create_transfers(
                [
                    Transfer(
                        id=1 << 120,
                        debit_account_id=SOURCE,
                        credit_account_id=SINK,
                        amount=1,
                        ledger=1,
                        code=1,
                    )
                ]
            )
            == []
        )
