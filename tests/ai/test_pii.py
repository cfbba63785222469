"""Checksums for resident IDs (GB 11643) and bank cards (Luhn), and the mobile rule."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from puhui.ai import pii

from .pii_corpus import make_card, make_id


def test_reference_resident_ids() -> None:
    # GB 11643-1999 appendix example: 11010519491231002X (check character X).
    assert pii.gb11643_check_char("11010519491231002") == "X"
    assert pii.is_valid_resident_id("11010519491231002X")
    assert pii.is_valid_resident_id("11010519491231002x")
    assert not pii.is_valid_resident_id("110105194912310021")  # wrong check character
    assert not pii.is_valid_resident_id("11010519491331002X")  # month 13
    assert not pii.is_valid_resident_id("91010519491231002X")  # region digit 9


def test_reference_luhn() -> None:
    # ISO/IEC 7812 examples: 79927398713 (Wikipedia's Luhn example) and Visa's test card.
    assert pii.luhn_valid("79927398713")
    assert not pii.luhn_valid("79927398710")
    assert pii.is_valid_bank_card("4111 1111 1111 1111")
    assert not pii.is_valid_bank_card("4111 1111 1111 1112")


def test_mobile_segments_and_prefixes() -> None:
    assert pii.is_valid_mobile("13812345678")
    assert pii.is_valid_mobile("+86 138-1234-5678")
    assert pii.is_valid_mobile("0086 19912345678")
    assert not pii.is_valid_mobile("12812345678")  # 12x is not allocated to mobiles
    assert not pii.is_valid_mobile("1381234567")


@given(st.integers(min_value=0, max_value=2**32))
def test_any_other_check_character_is_invalid(seed: int) -> None:
    number = make_id(random.Random(seed))
    assert pii.is_valid_resident_id(number)
    for ch in "0123456789X":
        if ch != number[17]:
            assert not pii.is_valid_resident_id(number[:17] + ch)


@given(st.integers(min_value=0, max_value=2**32), st.integers(min_value=0, max_value=15))
def test_luhn_catches_every_single_digit_error(seed: int, position: int) -> None:
    card = make_card(random.Random(seed))
    assert pii.is_valid_bank_card(card)
    digit = int(card[position])
    for other in range(10):
        if other != digit:
            assert not pii.luhn_valid(card[:position] + str(other) + card[position + 1 :])


def test_id_shaped_numbers_are_never_cards() -> None:
    # An 18-digit number with an ID's region and birth date is judged by the ID check only,
    # even when it happens to pass Luhn (here: an invalid ID that is Luhn-valid).
    rng = random.Random(7)
    found = 0
    for _ in range(2000):
        number = make_id(rng, valid=False)
        if number[-1] != "X" and pii.luhn_valid(number):
            found += 1
            assert not pii.is_valid_bank_card(number)
    assert found > 50
