"""COB's daily summaries: the console's ledger and lending panels read them and agree with a
scan of the tables, on both backends, with 128-bit amounts and transfers after the close."""

from __future__ import annotations

from datetime import date, timedelta

from puhui.ledger import Account, Transfer
from puhui.rate import Rate
from puhui.servicing import summary
from puhui.servicing.service import LendingService
from puhui.web.queries import ReadModel

BIG = 2**64 + 12345


def _scan(reader: ReadModel) -> tuple[dict[tuple[int, ...], list[int]], int]:
    with reader._conn() as conn:
        sums = reader._sums(conn, "ledger_transfers", ("ledger", "code"), ("amount",))
        (count,) = reader._rows(conn, "SELECT COUNT(*) FROM ledger_transfers")[0]
    return sums, int(count)


def _by_code(reader: ReadModel) -> dict[tuple[int, ...], list[int]]:
    return {(t.ledger, t.code): [t.count, t.amount] for t in reader.transfers_by_code() or []}


def test_cob_summaries_agree_with_a_scan(database_url: str) -> None:
    service = LendingService(database_url)
    start = date(2026, 3, 2)
    service.register_product()
    service.start(start)
    service.fund("CNY", "1000000", "fund")
    for i in range(3):
        service.create_line(f"L{i}", f"c{i}", "20000", Rate.of("0.18"), date(2027, 3, 1))
    loans = [service.drawdown(f"d{i}", f"L{i}", str(1000 * (i + 1)), 5).loan.id for i in range(3)]
    service.set_line_status("L2", "frozen")
    day = start
    for _ in range(3):
        service.run_cob(day)
        day += timedelta(days=1)
    reader = ReadModel(database_url)
    assert (reader.portfolio() or None) is not None
    folio = reader.portfolio()
    assert folio is not None and folio.as_of == (day - timedelta(days=1)).isoformat()
    assert (folio.customers, folio.active_lines, folio.loans) == (3, 2, 3)
    assert folio.outstanding == {"CNY": 600_000}
    assert reader.dpd_buckets() == [("M0", 3, 600_000)]
    # a repayment after the close: the ledger panels add the transfers after the watermark
    service.repay(loans[0], "100", "pay-after-close")
    # and amounts above 2^63 between two ledger accounts of their own
    ids = [2**100 + 1, 2**100 + 2]
    service.ledger.create_accounts([Account(id=i, ledger=9, code=1) for i in ids])
    service.ledger.create_transfers(
        [Transfer(id=2**90, debit_account_id=ids[0], credit_account_id=ids[1], amount=BIG,
                  ledger=9, code=7)]
    )  # fmt: skip
    sums, count = _scan(reader)
    assert _by_code(reader) == sums and reader.transfer_count() == count
    with service.db.tx():
        summary.summarise(service.db, day)  # the next close picks them up
        assert summary.summarise(service.db, day) == 0  # nothing new: nothing counted twice
    assert _by_code(reader) == sums and reader.transfer_count() == count
    assert _by_code(reader)[(9, 7)] == [1, BIG]
    per_day = reader.transfers_per_day(ledger=9)
    assert per_day is not None and [(n, a) for _, n, a in per_day] == [(1, BIG)]
    # COB run again for a closed day changes nothing
    before = _by_code(reader)
    report = service.run_cob(day - timedelta(days=1))
    assert "summarise" in report.skipped and _by_code(reader) == before
    service.close()


def test_panels_read_live_tables_before_the_first_close(database_url: str) -> None:
    service = LendingService(database_url)
    service.register_product()
    service.start(date(2026, 3, 2))
    service.fund("CNY", "1000000", "fund")
    service.create_line("L", "c", "20000", Rate.of("0.18"), date(2027, 3, 1))
    service.drawdown("d", "L", "1000", 5)
    reader = ReadModel(database_url)
    folio = reader.portfolio()
    assert folio is not None and folio.as_of == "" and folio.loans == 1
    sums, count = _scan(reader)
    assert _by_code(reader) == sums and reader.transfer_count() == count
    service.close()
