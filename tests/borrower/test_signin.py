"""One-time sign-in codes: hashed, single use, short-lived, burnt after five wrong guesses."""

from __future__ import annotations

import pytest

from puhui.borrower.signin import MAX_ATTEMPTS, TTL_SECONDS, DemoSender, SignInCodes
from puhui.errors import ValidationError


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def codes(database_url: str, clock: Clock) -> SignInCodes:
    return SignInCodes(database_url, clock=clock)


def test_a_code_works_once(codes: SignInCodes) -> None:
    sender = DemoSender(out=lambda _line: None)
    code = codes.issue("C-ALICE", sender)
    assert sender.sent == {"C-ALICE": code} and len(code) == 6 and code.isdigit()
    assert not codes.redeem("C-BOB", code)  # another customer's code opens nothing
    assert codes.redeem("C-ALICE", code)
    assert not codes.redeem("C-ALICE", code)  # single use


def test_only_a_salted_hash_is_stored(codes: SignInCodes) -> None:
    code = codes.issue("C-ALICE")
    with codes.db.read():
        rows = codes.db.all("SELECT * FROM borrower_codes")
    assert rows and all(code not in str(v) for v in rows[0])


def test_a_code_expires(codes: SignInCodes, clock: Clock) -> None:
    code = codes.issue("C-ALICE")
    clock.now += TTL_SECONDS
    assert not codes.redeem("C-ALICE", code)


def test_wrong_guesses_burn_the_code(codes: SignInCodes) -> None:
    code = codes.issue("C-ALICE")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(MAX_ATTEMPTS):
        assert not codes.redeem("C-ALICE", wrong)
    assert not codes.redeem("C-ALICE", code)  # even the right one, now


def test_a_new_code_replaces_the_old(codes: SignInCodes) -> None:
    first = codes.issue("C-ALICE")
    second = codes.issue("C-ALICE")
    assert first == second or not codes.redeem("C-ALICE", first)
    assert codes.redeem("C-ALICE", second) or first == second


def test_bad_customer_id_names_the_field(codes: SignInCodes) -> None:
    with pytest.raises(ValidationError) as caught:
        codes.issue("x" * 65)
    assert caught.value.field == "customer_id"


def test_codes_per_customer_are_capped_each_hour(codes: SignInCodes, clock: Clock) -> None:
    from puhui.borrower.signin import MAX_CODES_PER_HOUR, TooManyCodes

    for _ in range(MAX_CODES_PER_HOUR):
        codes.issue("C-ALICE")
    with pytest.raises(TooManyCodes):
        codes.issue("C-ALICE")
    codes.issue("C-BOB")  # another customer is not affected
    clock.now += 3600
    assert codes.redeem("C-ALICE", codes.issue("C-ALICE"))
