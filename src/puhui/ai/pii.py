"""Pure checks for Chinese and international personal identifiers (no I/O, no Presidio).

The recognizers find candidates with regular expressions; these functions decide. A number
whose checksum fails is not an identifier: flagging it would blank out order numbers, loan
numbers and amounts that the model needs to see.
"""

from __future__ import annotations

import re
from datetime import date

# GB 11643-1999: weights for the 17 body digits of a citizen identification number.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"  # check character indexed by (weighted sum mod 11)

# First digit of the administrative-division code: 1 north … 8 Hong Kong/Macao/Taiwan residents.
_ID_REGIONS = frozenset("12345678")

# Mobile number segments allocated by MIIT: 13x-19x.
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def gb11643_check_char(body17: str) -> str:
    """The check character (0-9 or X) for the first 17 digits of a resident ID."""
    if len(body17) != 17 or not body17.isascii() or not body17.isdigit():
        raise ValueError("a resident ID body is 17 ASCII digits")
    total = sum(int(d) * w for d, w in zip(body17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def id_birth_date(number: str) -> date | None:
    """The birth date embedded in an 18-character ID, or None when it is not a real date."""
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def looks_like_resident_id(number: str) -> bool:
    """An 18-character string with an ID's shape: a region digit and a real birth date.

    Shape alone says nothing about validity; it tells the bank-card check to keep away from
    numbers that only the ID checksum may judge.
    """
    if len(number) != 18 or not number[:17].isascii() or not number[:17].isdigit():
        return False
    if number[17] not in "0123456789Xx" or number[0] not in _ID_REGIONS:
        return False
    born = id_birth_date(number)
    return born is not None and 1900 <= born.year <= 2100


def is_valid_resident_id(number: str) -> bool:
    """A mainland resident ID (GB 11643): ID shape and a matching check character."""
    if not looks_like_resident_id(number):
        return False
    return gb11643_check_char(number[:17]) == number[17].upper()


def luhn_valid(digits: str) -> bool:
    """The Luhn (ISO/IEC 7812) check used by bank-card numbers."""
    if not digits.isascii() or not digits.isdigit() or len(digits) < 2:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _card_length_fits_scheme(digits: str) -> bool:
    """Lengths issued by the schemes seen in China: UnionPay, Visa, Mastercard, Amex, JCB."""
    n = len(digits)
    if digits.startswith("62"):
        return 16 <= n <= 19
    if digits.startswith("4"):
        return n in (13, 16, 19)
    if digits[:2] in {"51", "52", "53", "54", "55"} or "2221" <= digits[:4] <= "2720":
        return n == 16
    if digits[:2] in {"34", "37"}:
        return n == 15
    if digits[:2] == "35":
        return n == 16
    return digits.startswith(("60", "9558")) and 16 <= n <= 19


def is_valid_bank_card(number: str) -> bool:
    """A payment-card number: scheme prefix and length, Luhn check, and not ID-shaped."""
    digits = re.sub(r"[\s-]", "", number)
    if not digits.isascii() or not digits.isdigit():
        return False
    if looks_like_resident_id(digits):
        return False
    return _card_length_fits_scheme(digits) and luhn_valid(digits)


def normalize_mobile(number: str) -> str:
    """Strip separators and a +86/0086/86 country prefix from a mainland mobile number."""
    digits = re.sub(r"[\s\-()]", "", number)
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == 11 + len(prefix):
            return digits[len(prefix) :]
    return digits


def is_valid_mobile(number: str) -> bool:
    """A mainland mobile number: 11 digits in the 13x-19x segments."""
    return bool(_MOBILE_RE.match(normalize_mobile(number)))
