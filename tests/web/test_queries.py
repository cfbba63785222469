"""The read model on both backends: 128-bit ledger values, missing tables, masking, languages."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from puhui.api.keys import Role
from puhui.ledger import Account, Transfer, open_ledger
from puhui.ledger.store import u128
from puhui.web import access, i18n
from puhui.web.queries import ReadModel
from puhui.web.routes import fmt_money, fmt_rate

BIG = 2**64 + 12345  # above 2^63: a 16-byte BLOB on SQLite, numeric(39,0) on PostgreSQL


def test_ledger_panels_add_up_128_bit_values(database_url: str) -> None:
    """Sums by code equal the ledger's own trial balance, with amounts above 2^63."""
    ids = [2**100 + 1, 2**100 + 2, 7, 8]
    with open_ledger(database_url) as ledger:
        created = ledger.create_accounts(
            [
                Account(id=ids[0], ledger=1, code=10),
                Account(id=ids[1], ledger=1, code=20),
                Account(id=ids[2], ledger=1, code=10),
                Account(id=ids[3], ledger=1, code=20),
            ]
        )
        assert all(r.name == "OK" for _, r in created)
        results = ledger.create_transfers(
            [
                Transfer(id=2**90, debit_account_id=ids[0], credit_account_id=ids[1], amount=BIG,
                         ledger=1, code=5),
                Transfer(id=3, debit_account_id=ids[2], credit_account_id=ids[3], amount=250,
                         ledger=1, code=5),
                Transfer(id=4, debit_account_id=ids[3], credit_account_id=ids[0], amount=BIG,
                         ledger=1, code=6),
            ]
        )  # fmt: skip
        assert all(r.name == "OK" for _, r in results), results
        trial = ledger.trial_balance()
    reader = ReadModel(database_url)
    by_code = reader.accounts_by_code()
    assert by_code is not None
    assert {(c.code, c.count) for c in by_code} == {(10, 2), (20, 2)}
    assert sum(c.debits for c in by_code) == trial[0].debits_posted == 2 * BIG + 250
    assert sum(c.credits for c in by_code) == trial[0].credits_posted
    code10 = next(c for c in by_code if c.code == 10)
    assert code10.debits == BIG + 250 and code10.credits == BIG and code10.net_debit == 250
    volumes = reader.transfers_by_code()
    assert volumes is not None
    assert [(v.code, v.count, v.amount) for v in volumes] == [(5, 2, BIG + 250), (6, 1, BIG)]
    per_day = reader.transfers_per_day(ledger=1)
    assert per_day is not None and sum(n for _, n, _ in per_day) == 3
    assert sum(a for _, _, a in per_day) == 2 * BIG + 250
    assert reader.transfer_count() == 3


def test_panels_answer_none_before_their_tables_exist(database_url: str) -> None:
    reader = ReadModel(database_url)
    assert reader.accounts_by_code() is None
    assert reader.transfers_by_code() is None
    assert reader.transfers_per_day(1) is None
    assert reader.decisions() is None and reader.decision("x") is None
    assert reader.approvals() is None and reader.expected_loss() is None
    assert reader.models() is None and reader.model("x") is None
    assert reader.customers() is None and reader.customer_count() is None
    assert reader.portfolio() is None and reader.dpd_buckets() is None
    assert reader.vintage_curves() is None
    assert reader.loan("1") is None and reader.lines_of("c") is None


@given(st.integers(min_value=0, max_value=2**128 - 1))
def test_u128_decodes_every_stored_form(value: int) -> None:
    import uuid
    from decimal import Decimal

    stored_sqlite = value if value < 2**63 else value.to_bytes(16, "big")
    assert u128(stored_sqlite) == value
    assert u128(uuid.UUID(int=value)) == value
    assert u128(Decimal(value)) == value


def test_every_label_reads_in_both_languages() -> None:
    for key, (zh, en) in i18n.TEXT.items():
        assert zh.strip() and en.strip(), key
        assert zh != en, key  # each is written for its reader
        if key != "lang.switch":  # the switch names the other language, in that language
            assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), key
            assert not any("\u4e00" <= ch <= "\u9fff" for ch in en), key


def test_language_choice() -> None:
    assert i18n.choose("en", "zh", "zh-CN") == "en"
    assert i18n.choose(None, "en", "zh-CN") == "en"
    assert i18n.choose("fr", None, "") == "zh"
    assert i18n.from_accept_language("en-US,en;q=0.9") == "en"
    assert i18n.from_accept_language("de;q=1,zh-CN;q=0.8,en;q=0.7") == "zh"
    assert i18n.from_accept_language("en;q=0.2,zh;q=0.9") == "zh"
    assert i18n.from_accept_language("en;q=bogus") == "zh"


@settings(max_examples=50)
@given(st.text(min_size=5, max_size=40))
def test_masked_ids_never_show_the_middle(value: str) -> None:
    masked = access.mask_id(value)
    assert masked != value and len(masked) <= 6
    decision = {
        "customer_id": value,
        "application_id": value,
        "features": {"mobile_phone": value, "age": 30},
    }
    shown = access.mask_decision(decision, Role.RISK_ANALYST)
    assert shown["customer_id"] == masked and shown["features"]["mobile_phone"] == "***"
    assert shown["features"]["age"] == 30
    assert access.mask_decision(decision, Role.AGENT)["customer_id"] == value


def test_money_and_rates_are_formatted_exactly() -> None:
    assert fmt_money(123456789, "CNY") == "1,234,567.89 CNY"
    assert fmt_money(-5, "CNY") == "-0.05 CNY"
    assert fmt_money(1234, "JPY") == "1,234 JPY"
    assert fmt_money(2**70, "CNY") == "11,805,916,207,174,113,034.24 CNY"
    assert fmt_rate("0.1825") == "18.25%" and fmt_rate(None) == ""
